import { effortFor } from '../shared/reasoning-budget.ts';
import type { TargetCall } from '../../ir/dialect.ts';
import type { Failure } from '../../ir/failure.ts';
import type { ChatRequest, ImagePart, Message, ToolChoice } from '../../ir/request.ts';
import { historyToolStandIns } from '../shared/history-tools.ts';
import { foldSystemMessages } from '../shared/system-notes.ts';
import { documentName, lowered, partRefusal, type LoweredPart, type NativeDocument, type Receiver } from '../shared/documents.ts';

type Json = Record<string, unknown>;

/** Kinds that take `max_completion_tokens` and `reasoning_effort` (OpenAI's own API surface). */
const OPENAI_NATIVE = new Set(['openai', 'azure-openai']);
/** Kinds known to accept the non-standard `top_k`. */
const TOP_K = new Set(['together', 'fireworks', 'openrouter', 'openai-compatible', 'ollama']);
/**
 * Mistral rejects any field it does not know (422 `extra_forbidden`), `stream_options` included
 * (its stream reports usage on the last chunk anyway): of an OpenAI client's extra fields only
 * these reach it.
 */
const MISTRAL_PASSTHROUGH = new Set(['frequency_penalty', 'presence_penalty', 'prediction', 'safe_prompt']);
const MISTRAL_ID = /^[A-Za-z0-9]{9}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Mistral accepts only 9-character alphanumeric tool-call ids; ids from other providers
 * (`toolu_…`, `call_…`) are mapped to one deterministically, so a call and its result still match.
 */
export function mistralToolCallId(id: string): string {
  if (MISTRAL_ID.test(id)) return id;
  // Two 32-bit FNV-1a hashes with different seeds: 9 base-62 digits from 64 bits.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  let n = (BigInt(h1) << 32n) | BigInt(h2);
  let out = '';
  for (let i = 0; i < 9; i++) {
    out += BASE62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

export type BuildResult = { ok: true; body: Json } | { ok: false; failure: Failure };

function imageUrl(part: ImagePart): Json {
  const url = part.source.type === 'base64' ? `data:${part.source.mediaType};base64,${part.source.data}` : part.source.url;
  return { type: 'image_url', image_url: { url } };
}

/**
 * A PDF as a `file` content part (`file_data` as a data: URL, with a file name), or an OpenAI file by
 * id; the other document forms never get here (routing and `lowered` keep them away).
 */
function filePart(part: NativeDocument, index: number): Json {
  const source = part.source;
  if (source.type === 'file') return { type: 'file', file: { file_id: source.fileId } };
  const data = source.type === 'base64' ? `data:${source.mediaType};base64,${source.data}` : source.url;
  return { type: 'file', file: { filename: documentName(part, index), file_data: data } };
}

function contentPart(part: LoweredPart, index: number): Json {
  if (part.type === 'text') return { type: 'text', text: part.text };
  return part.type === 'image' ? imageUrl(part) : filePart(part, index);
}

function joinText(parts: { type: string; text?: string }[]): string {
  return parts.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
}

/** One IR message → one OpenAI message, or a reason it cannot be expressed. */
function message(m: Message, toolId: (id: string) => string, to: Receiver): Json | string {
  switch (m.role) {
    case 'user': {
      const parts = lowered(m.content, 'user', to);
      if ('refusal' in parts) return parts.refusal;
      // A plain string for a single text: the form every compatible server accepts.
      const only = parts[0];
      if (parts.length === 0) return { role: 'user', content: '' };
      if (parts.length === 1 && only?.type === 'text') return { role: 'user', content: only.text };
      return { role: 'user', content: parts.map(contentPart) };
    }
    case 'assistant': {
      for (const p of m.content) {
        const refusal = p.type === 'opaque' ? partRefusal(p, 'assistant', to) : undefined;
        if (refusal) return refusal;
      }
      // Reasoning is not sent back: OpenAI has no input field for it and DeepSeek rejects one.
      const text = m.content.map((p) => (p.type === 'text' ? p.text : p.type === 'opaque' ? (p.text ?? '') : '')).join('');
      const calls = m.content.flatMap((p) =>
        // Empty arguments (a no-argument call from another provider) become "{}": OpenAI wants JSON.
        p.type === 'tool-call' ? [{ id: toolId(p.id), type: 'function', function: { name: p.name, arguments: p.arguments || '{}' } }] : [],
      );
      const out: Json = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
      if (calls.length > 0) out.tool_calls = calls;
      return out;
    }
    case 'system':
      // Only reached for OpenAI's own API (others receive it folded): it takes both roles anywhere.
      return { role: m.developer ? 'developer' : 'system', content: joinText(m.content) };
    case 'tool': {
      const parts = lowered(m.content, 'tool', to);
      if ('refusal' in parts) return parts.refusal;
      if (parts.some((p) => p.type === 'image')) return 'an image inside a tool result cannot be sent to an OpenAI-style tool message';
      const text = joinText(parts);
      return { role: 'tool', tool_call_id: toolId(m.toolCallId), content: m.isError && text === '' ? 'error' : text };
    }
  }
}

function toolChoice(choice: ToolChoice, kind: string): unknown {
  if (choice.type === 'tool') return { type: 'function', function: { name: choice.name } };
  // Mistral spells "must call a tool" as `any`.
  if (choice.type === 'required' && kind === 'mistral') return 'any';
  return choice.type;
}


/**
 * The IR → a streamed Chat Completions body for this target. The proxy always streams upstream and
 * asks for usage (Mistral reports it unasked). System instructions become one leading `system` message (parts joined by a blank
 * line: some compatible servers' chat templates accept a single system turn only). Fields of the
 * client's OpenAI request that the IR does not model (`passthrough`) go first, so the fields built
 * here win; they are sent only when the client spoke OpenAI too.
 */
export function buildOpenAiRequest(request: ChatRequest, target: TargetCall): BuildResult {
  const kind = target.provider.kind;
  const messages: Json[] = [];
  if (request.system.length > 0) messages.push({ role: 'system', content: request.system.map((p) => p.text).join('\n\n') });
  const toolId = kind === 'mistral' ? mistralToolCallId : (id: string) => id;
  // Compatible vendors' chat templates often take a single leading system turn: fold the others.
  const history = OPENAI_NATIVE.has(kind) ? request.messages : foldSystemMessages(request.messages);
  for (const m of history) {
    const built = message(m, toolId, { dialect: 'openai', kind });
    if (typeof built === 'string') return { ok: false, failure: { kind: 'unsupported', message: built } };
    messages.push(built);
  }

  const body: Json = {};
  if (request.passthrough?.dialect === 'openai') {
    for (const [key, value] of Object.entries(request.passthrough.fields)) {
      if (kind !== 'mistral' || MISTRAL_PASSTHROUGH.has(key)) body[key] = value;
    }
  }
  Object.assign(body, { model: target.model, messages, stream: true });
  if (kind !== 'mistral') body.stream_options = { include_usage: true };

  if (request.maxTokens !== undefined) body[OPENAI_NATIVE.has(kind) ? 'max_completion_tokens' : 'max_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined && TOP_K.has(kind)) body.top_k = request.topK;
  if (request.stop && request.stop.length > 0) {
    // OpenAI takes at most 4 stop sequences; more (an Anthropic client may send them) is for another target.
    if (OPENAI_NATIVE.has(kind) && request.stop.length > 4) {
      return { ok: false, failure: { kind: 'unsupported', message: `${request.stop.length} stop sequences given; OpenAI accepts at most 4`, param: 'stop' } };
    }
    body.stop = request.stop;
  }
  if (request.seed !== undefined) body[kind === 'mistral' ? 'random_seed' : 'seed'] = request.seed;

  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        parameters: t.parameters,
        ...(t.strict !== undefined ? { strict: t.strict } : {}),
      },
    }));
    // OpenAI rejects parallel_tool_calls without tools.
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.toolChoice) body.tool_choice = toolChoice(request.toolChoice, kind);
  // OpenAI takes tool history without tools; some compatible servers reject it (shared/history-tools.ts).
  const standIns = OPENAI_NATIVE.has(kind) ? [] : historyToolStandIns(request);
  if (standIns.length > 0) {
    body.tools = standIns.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
    body.tool_choice = 'none';
  }

  const format = request.responseFormat;
  if (format?.type === 'text') body.response_format = { type: 'text' };
  else if (format?.type === 'json') body.response_format = { type: 'json_object' };
  else if (format?.type === 'json-schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: format.name,
        ...(format.description !== undefined ? { description: format.description } : {}),
        schema: format.schema,
        ...(format.strict !== undefined ? { strict: format.strict } : {}),
      },
    };
  }

  // Other compatible vendors either lack the field or spell it differently: dropped for them.
  const effort = effortFor(request.reasoning);
  if (effort && OPENAI_NATIVE.has(kind)) body.reasoning_effort = effort;
  return { ok: true, body };
}
