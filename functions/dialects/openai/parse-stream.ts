import type { StreamEvent } from '../../ir/events.ts';
import { eventsByChunk, type SseMessage } from '../shared/sse.ts';
import { errorDetails, streamFailure } from './errors.ts';
import { finishFromOpenAi } from './finish-reason.ts';
import { usageFromOpenAi } from './usage.ts';
import type { OpenAiChunk, OpenAiChunkToolCall, OpenAiErrorBody } from './wire-types.ts';

/** A tool-call id for a vendor that sends none; unique, since clients send it back. */
export function newToolCallId(): string {
  return `call_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/** One tool call being streamed, keyed by the provider's index (or id when it sends no index). */
interface OpenCall {
  /** The IR ordinal, assigned when the call starts (id and name known). */
  ordinal?: number;
  id?: string;
  name?: string;
  /** Argument fragments that arrived before the name. */
  pending: string;
}

/** Finish reasons that mean the provider failed rather than finished. */
const ERROR_FINISH = new Set(['error', 'insufficient_system_resource']);

/**
 * An OpenAI-compatible SSE stream → IR events, incrementally.
 *
 * - `start` comes from the first chunk with content or an id; Azure's empty first chunk
 *   (`choices: []`, `id: ''`, prompt_filter_results) and SSE comments (OpenRouter's
 *   `: OPENROUTER PROCESSING`) are skipped, as is a malformed JSON line.
 * - Tool calls are keyed by the provider's `index` (some vendors start at 1, some resend id and
 *   name on every fragment, some send a whole call at once) and renumbered 0, 1, 2 … in order of
 *   first appearance. Each call ends (`tool-call-end`) when the finish reason arrives.
 * - `finish` is emitted once, when the first finish_reason arrives; usage (OpenAI's extra
 *   `choices: []` chunk, DeepSeek's usage on the finish chunk, Groq's `x_groq.usage`) whenever it
 *   comes. `[DONE]` ends the stream; a stream that simply ends is fine too.
 * - A `data: {"error":…}` event (or `object:'error'`, or OpenRouter's `finish_reason:'error'`)
 *   yields one `error` event and ends. A cut connection makes the iteration throw.
 */
export async function* parseOpenAiStream(body: AsyncIterable<Uint8Array>, newId: () => string = newToolCallId): AsyncGenerator<StreamEvent> {
  let started = false;
  let finished = false;
  /** `[DONE]`, or an error event: nothing more is read. */
  let over = false;
  let ordinals = 0;
  const calls = new Map<string, OpenCall>();
  let lastKey: string | undefined;
  /** The events of the SSE events read so far from the current chunk. */
  const out: StreamEvent[] = [];

  function toolCall(fragment: OpenAiChunkToolCall, position: number): void {
    // Without an index (a few vendors), the id names the call; a bare fragment continues the last one.
    const key = typeof fragment.index === 'number' ? `i${fragment.index}` : fragment.id ? `id${fragment.id}` : (lastKey ?? `p${position}`);
    lastKey = key;
    let call = calls.get(key);
    if (!call) {
      call = { pending: '' };
      calls.set(key, call);
    }
    if (fragment.id && !call.id) call.id = fragment.id;
    if (fragment.function?.name && !call.name) call.name = fragment.function.name;
    const args = fragment.function?.arguments ?? '';
    if (call.ordinal === undefined) {
      call.pending += args;
      if (!call.name) return; // wait for the name before the call can start
      call.ordinal = ordinals++;
      out.push({ type: 'tool-call-start', index: call.ordinal, id: call.id ?? newId(), name: call.name });
      if (call.pending !== '') out.push({ type: 'tool-call-delta', index: call.ordinal, arguments: call.pending });
      call.pending = '';
      return;
    }
    if (args !== '') out.push({ type: 'tool-call-delta', index: call.ordinal, arguments: args });
  }

  /** One SSE event's IR events, into `out`. */
  function read(message: SseMessage): void {
    const data = message.data.trim();
    if (data === '[DONE]') {
      over = true;
      return;
    }
    let chunk: OpenAiChunk;
    try {
      chunk = JSON.parse(data) as OpenAiChunk;
    } catch {
      return; // a malformed event: skip it, the next one resyncs
    }
    if (typeof chunk !== 'object' || chunk === null) return;
    if ((chunk.error !== undefined && chunk.error !== null) || chunk.object === 'error' || message.event === 'error') {
      out.push({ type: 'error', failure: streamFailure(errorDetails(chunk as OpenAiErrorBody)) });
      over = true;
      return;
    }
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    if (!started && (choices.length > 0 || (typeof chunk.id === 'string' && chunk.id !== ''))) {
      started = true;
      out.push({ type: 'start', ...(chunk.id ? { id: chunk.id } : {}), ...(chunk.model ? { model: chunk.model } : {}) });
    }
    const choice = choices.find((c) => c?.index === 0) ?? choices[0];
    const delta = choice?.delta;
    if (delta && !finished) {
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
        out.push({ type: 'reasoning-delta', text: delta.reasoning_content });
      } else if (typeof delta.reasoning === 'string' && delta.reasoning !== '') {
        out.push({ type: 'reasoning-delta', text: delta.reasoning });
      }
      if (typeof delta.content === 'string' && delta.content !== '') out.push({ type: 'text-delta', text: delta.content });
      // A refusal is what the model said instead of an answer: the client sees it as text.
      if (typeof delta.refusal === 'string' && delta.refusal !== '') out.push({ type: 'text-delta', text: delta.refusal });
      if (Array.isArray(delta.tool_calls)) {
        for (const [position, fragment] of delta.tool_calls.entries()) {
          if (typeof fragment === 'object' && fragment !== null) toolCall(fragment, position);
        }
      }
    }
    const usage = chunk.usage ?? chunk.x_groq?.usage;
    if (usage && typeof usage === 'object') out.push({ type: 'usage', usage: usageFromOpenAi(usage) });
    const reason = choice?.finish_reason;
    if (typeof reason === 'string' && reason !== '' && !finished) {
      if (ERROR_FINISH.has(reason)) {
        out.push({ type: 'error', failure: { kind: 'server', message: `the provider stopped with finish_reason "${reason}"`, providerCode: reason } });
        over = true;
        return;
      }
      finished = true;
      const open = [...calls.values()].flatMap((c) => (c.ordinal === undefined ? [] : [c.ordinal])).sort((a, b) => a - b);
      for (const index of open) out.push({ type: 'tool-call-end', index });
      out.push({ type: 'finish', reason: finishFromOpenAi(reason, ordinals > 0), providerReason: reason });
    }
  }

  return yield* eventsByChunk(body, out, (message) => {
    read(message);
    return over;
  });
}
