import { DOCUMENT_TOKENS } from '../../dialects/shared/token-estimate.ts';
import type { ChatRequest } from '../../ir/request.ts';

/**
 * What routing reads from a request, extracted once per request in a single pass over the
 * messages: no tokenizer, no copy of the conversation. Every later decision (conditions, the
 * complexity score, context windows, affinity) reads these fields only.
 */
export interface RequestFeatures {
  /** Estimated input tokens: characters / 4, plus fixed costs per message, image and tool. */
  inputTokens: number;
  /** Text characters of the whole request (system, messages, tool definitions). */
  chars: number;
  /** Tool definitions sent with the request. */
  tools: number;
  /** Tool calls and tool results in the history (an agent loop under way). */
  toolHistory: number;
  images: number;
  /**
   * Documents, blocks of one provider's API (opaque parts) and server tools: content some targets
   * cannot take, so routing asks each target (dialects/shared/documents.ts). False for most requests.
   */
  foreignContent: boolean;
  /** The caller asked for JSON (`response_format` json or json_schema). */
  jsonOutput: boolean;
  /** Asked for reasoning (effort or a thinking budget). */
  reasoning: boolean;
  /** Messages in the conversation (user, assistant and tool turns). */
  depth: number;
  /** The last user message's text, cut to `MAX_SCANNED_CHARS`: what the pattern and cue scans read. */
  lastUserText: string;
  /** Length of the last user message's whole text (before the cut). */
  lastUserChars: number;
}

/**
 * Caller text scanned by regexes (route `pattern`s, the score's cue words) is cut to this many
 * characters: the scan cost stays bounded whatever the prompt's size, and a hostile prompt cannot
 * make a pattern work on megabytes.
 */
export const MAX_SCANNED_CHARS = 4_096;

/** Rough token costs of what is not plain text (per the providers' own documentation, rounded). */
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_IMAGE = 1_000;
const TOKENS_PER_TOOL = 16;
/** A PDF, a document URL or a provider's file: one page's worth (shared/token-estimate.ts says why). */
const TOKENS_PER_DOCUMENT = DOCUMENT_TOKENS;
const CHARS_PER_TOKEN = 4;

export function requestFeatures(request: ChatRequest): RequestFeatures {
  let chars = 0;
  let images = 0;
  let documents = 0;
  let foreignContent = request.providerTools !== undefined;
  let toolHistory = 0;
  let lastUser: string[] | undefined;
  for (const part of request.system) chars += part.text.length;
  for (const message of request.messages) {
    if (message.role === 'tool') toolHistory++;
    const texts: string[] | undefined = message.role === 'user' ? [] : undefined;
    for (const part of message.content) {
      switch (part.type) {
        case 'text':
          chars += part.text.length;
          texts?.push(part.text);
          break;
        case 'image':
          images++;
          break;
        case 'tool-call':
          toolHistory++;
          chars += part.name.length + part.arguments.length;
          break;
        case 'reasoning':
          chars += part.text.length;
          break;
        case 'document':
          foreignContent = true;
          if (part.source.type === 'text') chars += part.source.text.length;
          else if (part.source.type !== 'content') documents++;
          else {
            for (const p of part.source.parts) {
              if (p.type === 'text') chars += p.text.length;
              else images++;
            }
          }
          break;
        case 'opaque':
          foreignContent = true;
          chars += part.text?.length ?? 0;
          break;
      }
    }
    if (texts && texts.length > 0) lastUser = texts;
  }
  let toolChars = 0;
  for (const tool of request.tools ?? []) toolChars += tool.name.length + (tool.description?.length ?? 0) + jsonChars(tool.parameters, 0);
  chars += toolChars;
  const tools = request.tools?.length ?? 0;
  const whole = lastUser ? (lastUser.length === 1 ? lastUser[0]! : lastUser.join('\n')) : '';
  const format = request.responseFormat?.type;
  return {
    inputTokens: Math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * (request.messages.length + 1) + TOKENS_PER_IMAGE * images + TOKENS_PER_DOCUMENT * documents + TOKENS_PER_TOOL * tools,
    chars,
    tools,
    toolHistory,
    images,
    foreignContent,
    jsonOutput: format === 'json' || format === 'json-schema',
    reasoning: request.reasoning !== undefined && request.reasoning.effort !== 'minimal',
    depth: request.messages.length,
    lastUserText: whole.length > MAX_SCANNED_CHARS ? whole.slice(0, MAX_SCANNED_CHARS) : whole,
    lastUserChars: whole.length,
  };
}

/** Characters a JSON value would take, without serialising it (tool schemas can be large). */
function jsonChars(value: unknown, depth: number): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object' || value === null) return 5;
  // The ingress already bounds nesting; this bound only keeps a cycle-free walk cheap.
  if (depth > 32) return 0;
  let total = 2;
  if (Array.isArray(value)) {
    for (const item of value) total += jsonChars(item, depth + 1) + 1;
    return total;
  }
  for (const key in value) total += key.length + 4 + jsonChars((value as Record<string, unknown>)[key], depth + 1);
  return total;
}
