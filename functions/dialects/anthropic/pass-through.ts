import type { ResponseMeta, StreamEncoder, TargetCall } from '../../ir/dialect.ts';
import type { Usage } from '../../ir/events.ts';
import type { LaneSent, LaneSignal, LaneTracker } from '../../ir/lane.ts';
import { LaneText, stringField } from '../shared/lane-text.ts';
import { createAnthropicEncoder } from './encode-stream.ts';
import type { ChatRequest } from '../../ir/request.ts';
import { historyToolStandIns } from '../shared/history-tools.ts';
import { isObject, parseJsonObject, type Json } from '../shared/request-fields.ts';
import { streamFailure } from './errors.ts';
import { modelLimits } from './model-limits.ts';
import { finishFromAnthropic } from './stop-reason.ts';
import { takesSystemTurns } from './system-turns.ts';
import { usageFromAnthropic } from './usage.ts';

/**
 * What the pass-through lane needs from the Messages API when client and target both speak it:
 * the proxy's own edit of the client's body (the model name only: cache_control, thinking blocks
 * and their signatures, documents, citations, beta fields and unknown future fields travel as
 * sent) and a light reading of the upstream's events by name. JSON is parsed only for
 * `message_start`, `message_delta` and `error`.
 */

/** Deltas that carry answer content; `signature_delta` does not. */
const CONTENT_DELTA = /"type"\s*:\s*"(?:text_delta|thinking_delta|input_json_delta|citations_delta)"/;
/** A block that is content from its start (a tool call, as in the IR). */
const CONTENT_BLOCK = /"content_block"\s*:\s*\{\s*"type"\s*:\s*"(?:tool_use|server_tool_use|redacted_thinking)"/;
const TYPE = /"type"\s*:\s*"([^"]+)"/;

export function scanMessagesEvent(event: string, data: string): LaneSignal | undefined {
  const type = event || TYPE.exec(data)?.[1] || '';
  switch (type) {
    case 'content_block_delta':
      return CONTENT_DELTA.test(data) ? { type: 'content' } : undefined;
    case 'content_block_start':
      return CONTENT_BLOCK.test(data) ? { type: 'content' } : undefined;
    case 'message_start': {
      const message = parseJsonObject(data)?.message;
      return isObject(message) && isObject(message.usage) ? { type: 'usage', usage: usageFromAnthropic(message.usage) } : undefined;
    }
    case 'message_delta': {
      const payload = parseJsonObject(data);
      const delta = isObject(payload?.delta) ? payload.delta : {};
      const usage = isObject(payload?.usage) ? usageFromAnthropic(payload.usage) : undefined;
      if (typeof delta.stop_reason === 'string') return { type: 'terminal', reason: finishFromAnthropic(delta.stop_reason), ...(usage ? { usage } : {}) };
      return usage ? { type: 'usage', usage } : undefined;
    }
    case 'message_stop':
      return { type: 'end' };
    case 'error': {
      const error = parseJsonObject(data)?.error;
      const e = isObject(error) ? error : {};
      return {
        type: 'failure',
        failure: streamFailure({ ...(typeof e.type === 'string' ? { type: e.type } : {}), ...(typeof e.message === 'string' ? { message: e.message } : {}) }),
      };
    }
    default:
      return undefined;
  }
}

/** The proxy's one edit of a Messages client's body on the pass-through lane: the model name. */
export function messagesPassThroughBody(body: Json, target: { model: string }): Json {
  return { ...body, model: target.model };
}

/**
 * The Messages body an Anthropic target receives for an Anthropic client: the client's own, with
 * the model replaced and the upstream streamed — unless the proxy must repair it (a mid-conversation
 * system message for a model without system turns, tool history without tools, no max_tokens,
 * thinking blocks without their signature): then undefined, and the request is built from the IR.
 */
export function forwardedMessagesBody(request: ChatRequest, target: TargetCall): Json | undefined {
  const original = request.original;
  if (original?.dialect !== 'anthropic' || target.provider.kind !== 'anthropic') return undefined;
  const maxTokens = original.body.max_tokens;
  if (typeof maxTokens !== 'number' || needsRepair(request, target.model) || !thinkingSigned(original.body)) return undefined;
  const body = messagesPassThroughBody({ ...original.body, stream: true }, target);
  // A chain may fail over to a model with a smaller output limit: clamped, as the IR build does.
  const { maxOutput } = modelLimits(target.model);
  if (maxOutput !== undefined && maxTokens > maxOutput) body.max_tokens = maxOutput;
  return body;
}

/** What the IR build repairs for this model, so the client's body cannot go as sent. */
export function needsRepair(request: ChatRequest, model: string): boolean {
  return (!takesSystemTurns(model) && request.messages.some((m) => m.role === 'system')) || historyToolStandIns(request).length > 0;
}

/** Every thinking block of the history carries its signature (a translated answer's may not). */
function thinkingSigned(body: Json): boolean {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    const content = isObject(message) && Array.isArray(message.content) ? message.content : [];
    for (const block of content) {
      if (isObject(block) && block.type === 'thinking' && (typeof block.signature !== 'string' || block.signature === '')) return false;
    }
  }
  return true;
}

const TEXT_FIELD = stringField('text');
const INDEX = /"index"\s*:\s*(\d+)/;
const BLOCK_TYPE = /"content_block"\s*:\s*\{\s*"type"\s*:\s*"([^"]+)"/;
const DELTA_TYPE = /"delta"\s*:\s*\{\s*"type"\s*:\s*"([^"]+)"/;

/**
 * Follows a Messages stream passed through unchanged (ir/lane.ts): the text sent, whether a tool
 * call or signed thinking came (a continuation could not carry those on), the block indexes, and
 * `message_start`'s usage. Only `message_start` is parsed; deltas are read by pattern.
 */
export class MessagesLaneTracker implements LaneTracker {
  private readonly text = new LaneText();
  private last: 'text' | 'other' | undefined;
  private blocked = false;
  private nextIndex = 0;
  private openText: number | undefined;
  private usage: Usage | undefined;

  see(event: string, data: string): void {
    const type = event || TYPE.exec(data)?.[1] || '';
    switch (type) {
      case 'content_block_delta': {
        const delta = DELTA_TYPE.exec(data)?.[1];
        if (delta === 'text_delta') {
          const literal = TEXT_FIELD.exec(data)?.[1];
          if (literal) {
            this.text.push(literal);
            this.last = 'text';
          }
        } else if (delta === 'signature_delta' || delta === 'input_json_delta') this.blocked = true;
        else if (delta === 'thinking_delta') this.last = 'other';
        break;
      }
      case 'content_block_start': {
        const index = Number(INDEX.exec(data)?.[1] ?? this.nextIndex);
        this.nextIndex = Math.max(this.nextIndex, index + 1);
        const block = BLOCK_TYPE.exec(data)?.[1];
        this.openText = block === 'text' ? index : undefined;
        if (block === 'text') {
          const literal = TEXT_FIELD.exec(data.slice(data.indexOf('"content_block"')))?.[1];
          if (literal) {
            this.text.push(literal);
            this.last = 'text';
          }
        } else if (block === 'thinking') this.last = 'other';
        else this.blocked = true;
        break;
      }
      case 'content_block_stop':
        this.openText = undefined;
        break;
      case 'message_start': {
        const message = parseJsonObject(data)?.message;
        if (isObject(message) && isObject(message.usage)) this.usage = usageFromAnthropic(message.usage);
        break;
      }
      default:
        break;
    }
  }

  sent(): LaneSent {
    return { text: this.text.text(), continuable: this.last === 'text' && !this.blocked && !this.text.empty };
  }

  encoder(meta: ResponseMeta): StreamEncoder {
    return createAnthropicEncoder(meta, { nextIndex: this.nextIndex, ...(this.openText !== undefined ? { openText: this.openText } : {}), ...(this.usage ? { usage: this.usage } : {}) });
  }
}
