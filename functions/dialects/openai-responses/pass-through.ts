import type { LaneSent, LaneSignal, LaneTracker } from '../../ir/lane.ts';
import { streamFailure } from '../openai/errors.ts';
import { LaneText, stringField } from '../shared/lane-text.ts';
import { isObject, parseJsonObject, type Json } from '../shared/request-fields.ts';
import { createResponsesEncoder } from './encode-stream.ts';
import { mayReceive, readReasoningToken } from './reasoning-token.ts';
import { finishFromStatus } from './status.ts';
import { usageFromResponses } from './usage.ts';
import type { ResponseMeta, StreamEncoder, TargetCall } from '../../ir/dialect.ts';
import type { ChatRequest } from '../../ir/request.ts';

/**
 * What the pass-through lane needs from the Responses API when client and target both speak it:
 * the proxy's own edits of the client's body, and a light reading of the upstream's events (the
 * bytes themselves go to the client unchanged).
 */

export type { LaneSignal };

/** Events that carry answer content (text, refusal, reasoning, tool-call arguments or input). */
const CONTENT = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
]);

const TYPE = /"type"\s*:\s*"([^"]+)"/;

/**
 * Reads one SSE event of a Responses stream cheaply: by its `event:` name (OpenAI names every
 * event), else by the first `"type"` in its data; JSON is parsed only for the few events that end
 * the stream. `undefined`: nothing the attempt loop needs. An `output_item.added` for a whole item
 * that already carries content (a vendor that sends no deltas) is content too.
 */
export function scanResponsesEvent(event: string, data: string): LaneSignal | undefined {
  const type = event || TYPE.exec(data)?.[1] || '';
  if (CONTENT.has(type)) return { type: 'content' };
  if (type === 'response.output_item.added' || type === 'response.output_item.done') {
    return /"(text|arguments|input)"\s*:\s*"[^"]/.test(data) ? { type: 'content' } : undefined;
  }
  if (type !== 'response.completed' && type !== 'response.incomplete' && type !== 'response.failed' && type !== 'error') return undefined;
  let payload: Json = {};
  try {
    const parsed = JSON.parse(data) as unknown;
    if (isObject(parsed)) payload = parsed;
  } catch {
    // A terminal event that does not parse still ends the stream: judged by its type alone.
  }
  const response = isObject(payload.response) ? payload.response : undefined;
  if (type === 'error' || type === 'response.failed') {
    const source = type === 'error' ? (isObject(payload.error) ? payload.error : payload) : isObject(response?.error) ? response.error : {};
    const code = typeof source.code === 'string' ? source.code : undefined;
    const message = typeof source.message === 'string' ? source.message : 'the provider reported an error mid-stream';
    return { type: 'failure', failure: streamFailure({ message, ...(code ? { code } : {}), ...(typeof source.type === 'string' ? { type: source.type } : {}) }) };
  }
  const output = Array.isArray(response?.output) ? response.output : [];
  const madeCalls = output.some((item) => isObject(item) && (item.type === 'function_call' || item.type === 'custom_tool_call'));
  const incomplete = isObject(response?.incomplete_details) && typeof response.incomplete_details.reason === 'string' ? response.incomplete_details.reason : undefined;
  const usage = usageFromResponses(response?.usage);
  return {
    type: 'terminal',
    reason: finishFromStatus(type.slice('response.'.length), incomplete, madeCalls),
    ...(usage ? { usage } : {}),
    ...(response ? { final: response } : {}),
  };
}

/**
 * The proxy's own edits of a Responses client's body for a Responses target reached on the
 * pass-through lane: the model name, and the reasoning items the proxy tagged
 * (reasoning-token.ts) — unwrapped for the provider that issued them, dropped for any other (a
 * Claude signature or another provider's encrypted reasoning would be rejected, and is never
 * forged). Everything else goes as the client sent it. Returns a new object; the input is untouched.
 */
export function responsesPassThroughBody(body: Json, target: { provider: string; model: string }): Json {
  const out: Json = { ...body, model: target.model };
  if (!Array.isArray(body.input)) return out;
  out.input = body.input.flatMap((item: unknown) => {
    if (!isObject(item) || item.type !== 'reasoning' || typeof item.encrypted_content !== 'string' || !item.encrypted_content.startsWith('understudy.')) return [item];
    const read = readReasoningToken(item.encrypted_content, typeof item.id === 'string' ? item.id : undefined);
    if (!read.encrypted || !mayReceive(read.encrypted, target.provider)) return [];
    const { encrypted } = read;
    return [{ ...item, ...(encrypted.itemId ? { id: encrypted.itemId } : {}), encrypted_content: encrypted.data }];
  });
  return out;
}

/**
 * The Responses body an OpenAI target receives for a Responses client: the client's own, with the
 * proxy's edits above and the upstream streamed. Only the `openai` kind (first-party), as for Chat.
 */
export function forwardedResponsesBody(request: ChatRequest, target: TargetCall): Json | undefined {
  const original = request.original;
  if (original?.dialect !== 'openai-responses' || target.provider.kind !== 'openai') return undefined;
  return responsesPassThroughBody({ ...original.body, stream: true }, { provider: target.provider.name, model: target.model });
}

const DELTA_FIELD = stringField('delta');
const SEQUENCE = /"sequence_number"\s*:\s*(\d+)/y;

/**
 * Follows a Responses stream passed through unchanged (ir/lane.ts): the response's id, creation
 * time and model (from `response.created`), the last sequence number, the output items done and
 * the message item still open with its text — so an in-band error or a continuation goes on with
 * the same response, the next sequence numbers and output indexes. Only `response.created` and the
 * item events are parsed; text deltas are read by pattern.
 */
export class ResponsesLaneTracker implements LaneTracker {
  private readonly text = new LaneText();
  private head: { id?: string; created?: number; model?: string } | undefined;
  private sequence = -1;
  private readonly output: Json[] = [];
  private open: { index: number; id: string; text: LaneText } | undefined;
  private last: 'text' | 'other' | undefined;
  private blocked = false;

  see(event: string, data: string): void {
    const type = event || TYPE.exec(data)?.[1] || '';
    const at = data.lastIndexOf('"sequence_number"');
    if (at !== -1) {
      SEQUENCE.lastIndex = at;
      const n = SEQUENCE.exec(data)?.[1];
      if (n !== undefined) this.sequence = Number(n);
    }
    switch (type) {
      case 'response.output_text.delta': {
        const literal = DELTA_FIELD.exec(data)?.[1];
        if (literal) {
          this.text.push(literal);
          this.open?.text.push(literal);
          this.last = 'text';
        }
        break;
      }
      case 'response.created': {
        const response = parseJsonObject(data)?.response;
        if (isObject(response)) {
          this.head = {
            ...(typeof response.id === 'string' ? { id: response.id } : {}),
            ...(typeof response.created_at === 'number' ? { created: response.created_at } : {}),
            ...(typeof response.model === 'string' ? { model: response.model } : {}),
          };
        }
        break;
      }
      case 'response.output_item.added':
      case 'response.output_item.done': {
        const payload = parseJsonObject(data);
        const item = isObject(payload?.item) ? payload.item : undefined;
        const index = typeof payload?.output_index === 'number' ? payload.output_index : this.output.length;
        if (!item) break;
        this.output[index] = item;
        if (item.type === 'message') {
          if (type === 'response.output_item.added' && typeof item.id === 'string') this.open = { index, id: item.id, text: new LaneText() };
          else if (this.open?.index === index) this.open = undefined;
        } else if (item.type === 'reasoning') this.last = 'other';
        else this.blocked = true;
        break;
      }
      case 'response.refusal.delta':
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        this.blocked = true;
        break;
      default:
        break;
    }
  }

  sent(): LaneSent {
    return { text: this.text.text(), continuable: this.last === 'text' && !this.blocked && !this.text.empty && this.open !== undefined };
  }

  encoder(meta: ResponseMeta): StreamEncoder {
    const head = this.head ?? {};
    const open = this.open ? { index: this.open.index, id: this.open.id, text: this.open.text.text() } : undefined;
    return createResponsesEncoder(
      { ...meta, id: head.id ?? meta.id, created: head.created ?? meta.created, model: head.model ?? meta.model },
      { sequence: this.sequence + 1, output: this.output.filter((item) => item !== undefined), ...(open ? { openMessage: open } : {}) },
    );
  }
}
