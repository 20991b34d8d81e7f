import type { StreamEvent } from '../../ir/events.ts';
import { streamFailure } from '../openai/errors.ts';
import { isObject, type Json } from '../shared/request-fields.ts';
import { eventsByChunk, type SseMessage } from '../shared/sse.ts';
import { finishFromStatus } from './status.ts';
import { irToolName } from './tools.ts';
import { usageFromResponses } from './usage.ts';

/** One function or custom tool call item being streamed. */
interface OpenCall {
  ordinal: number;
  custom: boolean;
  /** Argument (or input) text has arrived as deltas: the `.done` item need not repeat it. */
  streamed: boolean;
  ended: boolean;
}

/** A custom call's raw input, escaped as the inside of a JSON string (the IR's `{"input": …}`). */
function escaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function errorFrom(source: Json | undefined): StreamEvent {
  const code = typeof source?.code === 'string' ? source.code : undefined;
  const message = typeof source?.message === 'string' ? source.message : 'the provider reported an error mid-stream';
  const type = typeof source?.type === 'string' ? source.type : code === 'invalid_prompt' ? 'invalid_request_error' : undefined;
  return { type: 'error', failure: streamFailure({ message, ...(code ? { code } : {}), ...(type ? { type } : {}), ...(typeof source?.param === 'string' ? { param: source.param } : {}) }) };
}

/**
 * A Responses API SSE stream → IR events, incrementally. Output items are keyed by `output_index`
 * (falling back to `item_id`); tool calls are numbered 0, 1, … in the order their items open.
 * Text, refusals, reasoning summaries (parts joined by a blank line) and raw reasoning text become
 * deltas; an item that arrives whole in `output_item.done` (no deltas before it) still yields its
 * content. A custom tool's raw input is wrapped as `{"input": "…"}` as it streams. A reasoning
 * item's `encrypted_content` rides on a reasoning delta. `response.completed`/`.incomplete` give
 * usage and the finish; `response.failed` and `error` give one error event and end.
 */
export async function* parseResponsesStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  let started = false;
  let ordinals = 0;
  const calls = new Map<string, OpenCall>();
  /** Output items whose text arrived as deltas. */
  const streamedText = new Set<string>();
  let lastSummary: string | undefined;
  const key = (event: Json): string => (typeof event.output_index === 'number' ? `o${event.output_index}` : `i${String(event.item_id)}`);

  const out: StreamEvent[] = [];
  /** Reads one SSE message; true once the answer is over (nothing more is read). */
  function read(message: SseMessage): boolean {
    let event: Json;
    try {
      const parsed = JSON.parse(message.data) as unknown;
      if (!isObject(parsed)) return false;
      event = parsed;
    } catch {
      return false; // a malformed event: skip it, the next one resyncs
    }
    const type = typeof event.type === 'string' ? event.type : message.event;
    const response = isObject(event.response) ? event.response : undefined;
    if (!started && response) {
      started = true;
      out.push({ type: 'start', ...(typeof response.id === 'string' ? { id: response.id } : {}), ...(typeof response.model === 'string' ? { model: response.model } : {}) });
    }
    switch (type) {
      case 'response.output_item.added': {
        const item = isObject(event.item) ? event.item : {};
        if (item.type !== 'function_call' && item.type !== 'custom_tool_call') break;
        const custom = item.type === 'custom_tool_call';
        const call: OpenCall = { ordinal: ordinals++, custom, streamed: false, ended: false };
        calls.set(key(event), call);
        const id = typeof item.call_id === 'string' ? item.call_id : `call_${call.ordinal}`;
        out.push({ type: 'tool-call-start', index: call.ordinal, id, name: irToolName(typeof item.name === 'string' ? item.name : '', item.namespace) });
        if (custom) out.push({ type: 'tool-call-delta', index: call.ordinal, arguments: '{"input":"' });
        break;
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        if (typeof event.delta === 'string' && event.delta !== '') {
          streamedText.add(key(event));
          out.push({ type: 'text-delta', text: event.delta });
        }
        break;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta': {
        if (typeof event.delta !== 'string' || event.delta === '') break;
        const part = `${key(event)}:${String(event.summary_index ?? event.content_index ?? 0)}`;
        const gap = lastSummary !== undefined && lastSummary !== part && lastSummary.startsWith(`${key(event)}:`) ? '\n\n' : '';
        lastSummary = part;
        streamedText.add(key(event));
        out.push({ type: 'reasoning-delta', text: gap + event.delta });
        break;
      }
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        const call = calls.get(key(event));
        if (!call || typeof event.delta !== 'string' || event.delta === '') break;
        call.streamed = true;
        out.push({ type: 'tool-call-delta', index: call.ordinal, arguments: call.custom ? escaped(event.delta) : event.delta });
        break;
      }
      case 'response.output_item.done': {
        const item = isObject(event.item) ? event.item : {};
        const call = calls.get(key(event));
        if (call && !call.ended) {
          const whole = call.custom ? item.input : item.arguments;
          if (!call.streamed && typeof whole === 'string' && whole !== '') {
            out.push({ type: 'tool-call-delta', index: call.ordinal, arguments: call.custom ? escaped(whole) : whole });
          }
          if (call.custom) out.push({ type: 'tool-call-delta', index: call.ordinal, arguments: '"}' });
          call.ended = true;
          out.push({ type: 'tool-call-end', index: call.ordinal });
        } else if (item.type === 'message' && !streamedText.has(key(event)) && Array.isArray(item.content)) {
          const text = item.content.map((c) => (isObject(c) ? (typeof c.text === 'string' ? c.text : typeof c.refusal === 'string' ? c.refusal : '') : '')).join('');
          if (text !== '') out.push({ type: 'text-delta', text });
        } else if (item.type === 'reasoning') {
          const said = streamedText.has(key(event)) || !Array.isArray(item.summary) ? '' : item.summary.map((s) => (isObject(s) && typeof s.text === 'string' ? s.text : '')).join('\n\n');
          const data = typeof item.encrypted_content === 'string' && item.encrypted_content !== '' ? item.encrypted_content : undefined;
          if (said !== '' || data) {
            out.push({ type: 'reasoning-delta', text: said, ...(data ? { encrypted: { data, ...(typeof item.id === 'string' ? { itemId: item.id } : {}) } } : {}) });
          }
        }
        break;
      }
      case 'response.completed':
      case 'response.incomplete': {
        for (const call of calls.values()) if (!call.ended) out.push({ type: 'tool-call-end', index: call.ordinal });
        const usage = usageFromResponses(response?.usage);
        if (usage) out.push({ type: 'usage', usage });
        const incomplete = isObject(response?.incomplete_details) ? response.incomplete_details.reason : undefined;
        const reason = finishFromStatus(typeof response?.status === 'string' ? response.status : type.slice(9), typeof incomplete === 'string' ? incomplete : undefined, ordinals > 0);
        out.push({ type: 'finish', reason, providerReason: typeof incomplete === 'string' ? incomplete : String(response?.status ?? 'completed') });
        return true;
      }
      case 'response.failed':
        out.push(errorFrom(isObject(response?.error) ? response.error : undefined));
        return true;
      case 'error':
        out.push(errorFrom(isObject(event.error) ? event.error : event));
        return true;
      default:
        break;
    }
    return false;
  }

  return yield* eventsByChunk(body, out, read);
}
