import type { StreamEvent } from '../../ir/events.ts';
import { eventsByChunk, type SseMessage } from '../shared/sse.ts';
import { type AnthropicErrorObject, streamFailure } from './errors.ts';
import { REDACTED_PREFIX } from '../shared/redacted-thinking.ts';
import { finishFromAnthropic } from './stop-reason.ts';
import { type AnthropicUsage, usageFromAnthropic } from './usage.ts';

export interface StreamContext {
  /** The JSON-mode tool: its input is the answer's text, not a tool call. */
  jsonToolName?: string;
}

interface ToolBlock {
  /** Ordinal of the call in the answer, or -1 for the JSON-mode tool. */
  index: number;
  sawInput: boolean;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Anthropic Messages SSE → IR events, incrementally.
 * - `message_start` → `start` and a `usage` (input tokens including the cached ones).
 * - Content blocks: text and thinking deltas pass through; a signature is a reasoning delta with
 *   empty text; a `tool_use` block is a tool call numbered by its ordinal among the answer's tool
 *   calls (not the block index), ended at its `content_block_stop` (with `{}` as arguments when
 *   the model sent none). The JSON-mode tool's input comes out as text instead.
 * - `message_delta` → the cumulative `usage`, then `finish`; `message_stop` ends the iteration.
 * - `event: error` → an `error` event, then the end. Pings and unknown events are ignored, and a
 *   data line that is not JSON is skipped. A broken connection makes the iteration throw.
 */
export async function* parseAnthropicStream(body: AsyncIterable<Uint8Array>, context: StreamContext = {}): AsyncGenerator<StreamEvent> {
  const blocks = new Map<number, ToolBlock>();
  let toolCalls = 0;
  let jsonAnswered = false;
  let usage: AnthropicUsage = {};

  /** `message_stop`, or an error event: nothing more is read. */
  let over = false;
  /** The IR events of the SSE events read so far from the current chunk. */
  const out: StreamEvent[] = [];

  function closeBlock(block: ToolBlock): void {
    if (!block.sawInput) out.push(block.index < 0 ? { type: 'text-delta', text: '{}' } : { type: 'tool-call-delta', index: block.index, arguments: '{}' });
    if (block.index >= 0) out.push({ type: 'tool-call-end', index: block.index });
  }
  const usageEvent = (): StreamEvent => ({ type: 'usage', usage: usageFromAnthropic(usage) });

  function read(message: SseMessage): void {
    let data: Json;
    try {
      const parsed: unknown = JSON.parse(message.data);
      if (!isObject(parsed)) return;
      data = parsed;
    } catch {
      return; // A malformed event: skip it, the next one resyncs.
    }
    const type = str(data.type) || message.event;
    switch (type) {
      case 'message_start': {
        const msg = isObject(data.message) ? data.message : {};
        out.push({ type: 'start', ...(str(msg.id) ? { id: str(msg.id) } : {}), ...(str(msg.model) ? { model: str(msg.model) } : {}) });
        if (isObject(msg.usage)) {
          usage = { ...(msg.usage as AnthropicUsage) };
          out.push(usageEvent());
        }
        break;
      }
      case 'content_block_start': {
        const block = isObject(data.content_block) ? data.content_block : {};
        const blockIndex = typeof data.index === 'number' ? data.index : -1;
        if (block.type === 'text') {
          if (str(block.text)) out.push({ type: 'text-delta', text: str(block.text) });
        } else if (block.type === 'thinking') {
          if (str(block.thinking)) out.push({ type: 'reasoning-delta', text: str(block.thinking) });
          if (str(block.signature)) out.push({ type: 'reasoning-delta', text: '', signature: str(block.signature) });
        } else if (block.type === 'redacted_thinking') {
          out.push({ type: 'reasoning-delta', text: '', signature: REDACTED_PREFIX + str(block.data) });
        } else if (block.type === 'tool_use') {
          const name = str(block.name);
          const input = isObject(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
          let tool: ToolBlock;
          if (context.jsonToolName !== undefined && name === context.jsonToolName) {
            jsonAnswered = true;
            tool = { index: -1, sawInput: false };
          } else {
            tool = { index: toolCalls++, sawInput: false };
            out.push({ type: 'tool-call-start', index: tool.index, id: str(block.id) || `toolu_${tool.index}`, name });
          }
          blocks.set(blockIndex, tool);
          if (input) {
            tool.sawInput = true;
            out.push(tool.index < 0 ? { type: 'text-delta', text: input } : { type: 'tool-call-delta', index: tool.index, arguments: input });
          }
        }
        // Server-tool blocks (server_tool_use, web_search_tool_result …) have no IR form.
        break;
      }
      case 'content_block_delta': {
        const delta = isObject(data.delta) ? data.delta : {};
        if (delta.type === 'text_delta') {
          if (str(delta.text)) out.push({ type: 'text-delta', text: str(delta.text) });
        } else if (delta.type === 'thinking_delta') {
          if (str(delta.thinking)) out.push({ type: 'reasoning-delta', text: str(delta.thinking) });
        } else if (delta.type === 'signature_delta') {
          if (str(delta.signature)) out.push({ type: 'reasoning-delta', text: '', signature: str(delta.signature) });
        } else if (delta.type === 'input_json_delta') {
          const tool = blocks.get(typeof data.index === 'number' ? data.index : -1);
          const json = str(delta.partial_json);
          if (!tool || json === '') break;
          tool.sawInput = true;
          out.push(tool.index < 0 ? { type: 'text-delta', text: json } : { type: 'tool-call-delta', index: tool.index, arguments: json });
        }
        // citations_delta and future deltas are ignored.
        break;
      }
      case 'content_block_stop': {
        const blockIndex = typeof data.index === 'number' ? data.index : -1;
        const tool = blocks.get(blockIndex);
        if (!tool) break;
        blocks.delete(blockIndex);
        closeBlock(tool);
        break;
      }
      case 'message_delta': {
        for (const tool of blocks.values()) closeBlock(tool);
        blocks.clear();
        // Cumulative counts: a field present here replaces the one from message_start.
        if (isObject(data.usage)) {
          for (const [key, value] of Object.entries(data.usage)) if (typeof value === 'number') (usage as Record<string, number>)[key] = value;
          out.push(usageEvent());
        }
        const delta = isObject(data.delta) ? data.delta : {};
        const stopReason = str(delta.stop_reason) || 'end_turn';
        // In JSON mode the forced tool's input was the answer: a clean stop, not a tool call.
        const reason = stopReason === 'tool_use' && jsonAnswered && toolCalls === 0 ? 'stop' : finishFromAnthropic(stopReason);
        const stopSequence = str(delta.stop_sequence);
        out.push({ type: 'finish', reason, providerReason: stopReason, ...(stopSequence ? { stopSequence } : {}) });
        break;
      }
      case 'message_stop':
        over = true;
        return;
      case 'error': {
        const error = isObject(data.error) ? data.error : {};
        const details: AnthropicErrorObject = { ...(str(error.type) ? { type: str(error.type) } : {}), ...(str(error.message) ? { message: str(error.message) } : {}) };
        out.push({ type: 'error', failure: streamFailure(details) });
        over = true;
        return;
      }
      default:
        // ping and event types added after this was written.
        break;
    }
  }

  return yield* eventsByChunk(body, out, (message) => {
    read(message);
    return over;
  });
}
