import type { Failure } from '../../ir/failure.ts';
import type { ImagePart, Message } from '../../ir/request.ts';
import { foldSystemMessages } from '../shared/system-notes.ts';
import { lowered, partRefusal, type NativeDocument } from '../shared/documents.ts';

const RECEIVER = { dialect: 'gemini', kind: 'gemini' } as const;
import type { GeminiContent, GeminiPart } from './wire-types.ts';

/**
 * The signature Google documents for replaying function calls whose thought signature is unknown
 * (history from another provider, or from an IR that does not keep Gemini's signatures). Gemini 3
 * rejects a replayed functionCall without a signature; older models ignore the field.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

export type ContentsResult = { ok: true; contents: GeminiContent[] } | { ok: false; failure: Failure };

interface Turn {
  role: GeminiContent['role'];
  /** Function responses come first in a user turn, right after the model turn that called. */
  first: GeminiPart[];
  rest: GeminiPart[];
}

/**
 * IR messages → Gemini `contents`. The assistant is `model`; tool results are `functionResponse`
 * parts of a user turn; consecutive same-role turns merge; blank text is dropped. Reasoning parts
 * are dropped: Gemini's thoughts cannot be replayed as text. Gemini has no mid-conversation system
 * turn: such instructions are folded into the user turn where they were given.
 */
export function buildContents(history: Message[]): ContentsResult {
  const messages = foldSystemMessages(history);
  const turns: Turn[] = [];
  const push = (role: Turn['role'], first: GeminiPart[], rest: GeminiPart[]) => {
    if (first.length + rest.length === 0) return;
    const previous = turns[turns.length - 1];
    if (previous?.role === role) {
      previous.first.push(...first);
      previous.rest.push(...rest);
    } else turns.push({ role, first, rest });
  };
  // Gemini matches a response to its call by function name, which IR tool messages may lack.
  const namesById = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const part of message.content) if (part.type === 'tool-call') namesById.set(part.id, part.name);
  }

  for (const message of messages) {
    if (message.role === 'user') {
      const given = lowered(message.content, 'user', RECEIVER);
      if ('refusal' in given) return { ok: false, failure: { kind: 'unsupported', message: given.refusal } };
      const parts: GeminiPart[] = [];
      for (const part of given) {
        if (part.type === 'text') {
          if (part.text.trim() !== '') parts.push({ text: part.text });
        } else {
          const inline = inlineData(part);
          if ('failure' in inline) return { ok: false, failure: inline.failure };
          parts.push(inline);
        }
      }
      push('user', [], parts);
    } else if (message.role === 'tool') {
      const name = message.toolName ?? namesById.get(message.toolCallId);
      if (!name) return { ok: false, failure: { kind: 'unsupported', message: `Gemini needs the function name of tool result "${message.toolCallId}", and the history does not give it` } };
      const given = lowered(message.content, 'tool', RECEIVER);
      if ('refusal' in given) return { ok: false, failure: { kind: 'unsupported', message: given.refusal } };
      if (given.some((part) => part.type !== 'text')) {
        return { ok: false, failure: { kind: 'unsupported', message: 'Gemini function responses cannot carry images here' } };
      }
      const text = given.map((part) => (part.type === 'text' ? part.text : '')).join('');
      // Google's convention: `error` carries a failed call's details, anything else is the output.
      const id = geminiCallId(message.toolCallId);
      push('user', [{ functionResponse: { name, response: message.isError ? { error: text } : { content: text }, ...(id ? { id } : {}) } }], []);
    } else if (message.role === 'assistant') {
      const text: GeminiPart[] = [];
      const calls: GeminiPart[] = [];
      for (const part of message.content) {
        if (part.type === 'text') {
          if (part.text.trim() !== '') text.push({ text: part.text });
        } else if (part.type === 'opaque') {
          const refusal = partRefusal(part, 'assistant', RECEIVER);
          if (refusal) return { ok: false, failure: { kind: 'unsupported', message: refusal } };
          if (part.text?.trim()) text.push({ text: part.text });
        } else if (part.type === 'tool-call') {
          const id = geminiCallId(part.id);
          calls.push({ functionCall: { name: part.name, args: toolArgs(part.arguments), ...(id ? { id } : {}) }, thoughtSignature: SKIP_THOUGHT_SIGNATURE });
        }
      }
      push('model', [], [...text, ...calls]);
    }
  }
  return { ok: true, contents: turns.map((turn) => ({ role: turn.role, parts: [...turn.first, ...turn.rest] })) };
}

/** A call's arguments as the object Gemini wants; `{}` when the model's text is not a JSON object. */
export function toolArgs(args: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** An image or a PDF as inline bytes. */
function inlineData(part: ImagePart | NativeDocument): GeminiPart | { failure: Failure } {
  // Gemini fetches only its own file URIs (fileData); arbitrary URLs are not accepted.
  const source = part.source;
  if (source.type === 'base64') return { inlineData: { mimeType: source.mediaType, data: source.data } };
  const message = part.type === 'image' ? 'Gemini accepts images only as inline bytes, not as URLs' : 'Gemini accepts documents only as inline bytes, not as URLs or files';
  return { failure: { kind: 'unsupported', message } };
}

/**
 * The call id to echo back to Gemini: one Gemini issued itself (it matches results of same-named
 * parallel calls by it). Ids made up by the proxy for id-less calls and ids of other providers
 * (OpenAI `call_…`, Anthropic `toolu_…`, Bedrock `tooluse_…`) were never Gemini's: left out.
 */
function geminiCallId(id: string): string | undefined {
  return /^(call_|toolu_|tooluse_)/.test(id) ? undefined : id;
}
