import type { ClientError } from '../../ir/client-error.ts';
import type { ResponseMeta, StreamEncoder } from '../../ir/dialect.ts';
import type { FinishReason, StreamEvent, Usage } from '../../ir/events.ts';
import { sse } from '../shared/sse.ts';
import { estimateInputTokens } from '../shared/token-estimate.ts';
import { redactedData } from '../shared/redacted-thinking.ts';
import { anthropicErrorObject } from './render-error.ts';
import { finishToAnthropic } from './stop-reason.ts';
import { usageToAnthropic } from './usage.ts';

/**
 * Where a stream passed through unchanged stands (ir/lane.ts), for an encoder that writes after it:
 * `message_start` was sent, the next block index, the text block still open (its deltas go on in
 * it), and the usage `message_start` reported.
 */
export interface AnthropicResume {
  nextIndex: number;
  openText?: number;
  usage?: Usage;
}

type OpenBlock = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool'; index: number; call: number };

/**
 * IR events → Anthropic Messages SSE (`event: X\ndata: {...}\n\n`).
 *
 * - `message_start` is written lazily, before the first block (or the end), so that it carries the
 *   input tokens when the upstream reported them first (Anthropic upstreams do); else a cheap
 *   estimate (shared/token-estimate.ts), which `message_delta` replaces with the provider's count.
 * - Content blocks are numbered 0, 1, … in the order they open; a new block opens whenever the
 *   kind changes (text, thinking, each tool call). A tool block opens with `input: {}` and its
 *   arguments follow as `input_json_delta`s. A reasoning signature is a `signature_delta`.
 * - The finish is held until a later `usage` event or `end()`, because some upstreams (OpenAI with
 *   include_usage, Bedrock) report usage after their finish: `message_delta` then carries the
 *   final usage. `end()` writes `message_stop`.
 * - `fail()` writes `event: error` only: no `message_delta`, no `message_stop`.
 */
export function createAnthropicEncoder(meta: ResponseMeta, resume?: AnthropicResume): StreamEncoder {
  let started = resume !== undefined;
  let nextIndex = resume?.nextIndex ?? 0;
  let open: OpenBlock | undefined = resume?.openText !== undefined ? { kind: 'text', index: resume.openText } : undefined;
  let usage: Usage | undefined = resume?.usage;
  let finish: { reason: FinishReason; stopSequence?: string } | undefined;
  let deltaSent = false;
  /** Block index of each tool call (by IR index), so late deltas still find their block. */
  const toolBlocks = new Map<number, number>();

  const write = (type: string, payload: Record<string, unknown>): string => sse(JSON.stringify({ type, ...payload }), type);

  // Upstreams that report input tokens only at the end (OpenAI-style, Gemini): message_start carries
  // an estimate (clients such as LangChain read usage there), message_delta the provider's count.
  let estimated: Usage | undefined;
  const known = (): Usage => usage ?? (estimated ??= { inputTokens: estimateInputTokens(meta.request), outputTokens: 0 });

  const start = (): string => {
    if (started) return '';
    started = true;
    const u = usageToAnthropic(known());
    return write('message_start', {
      message: { id: meta.id, type: 'message', role: 'assistant', model: meta.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...u, output_tokens: 0 } },
    });
  };

  const close = (): string => {
    if (!open) return '';
    const text = write('content_block_stop', { index: open.index });
    open = undefined;
    return text;
  };

  const openBlock = (block: OpenBlock, contentBlock: Record<string, unknown>): string => {
    const text = start() + close() + write('content_block_start', { index: block.index, content_block: contentBlock });
    open = block;
    return text;
  };

  const messageDelta = (): string => {
    if (!finish || deltaSent) return '';
    deltaSent = true;
    return write('message_delta', {
      delta: { stop_reason: finishToAnthropic(finish.reason), stop_sequence: finish.stopSequence ?? null, stop_details: null },
      usage: usageToAnthropic(known()),
    });
  };

  function event(e: StreamEvent): string {
    if (deltaSent) return '';
    switch (e.type) {
      case 'start':
        return '';
      case 'text-delta': {
        if (e.text === '') return '';
        const head = open?.kind === 'text' ? '' : openBlock({ kind: 'text', index: nextIndex++ }, { type: 'text', text: '' });
        return head + write('content_block_delta', { index: open!.index, delta: { type: 'text_delta', text: e.text } });
      }
      case 'reasoning-delta': {
        const data = redactedData(e.signature);
        if (data !== undefined && e.text === '') {
          // Encrypted reasoning is a block of its own, whole at its start.
          const text = openBlock({ kind: 'thinking', index: nextIndex++ }, { type: 'redacted_thinking', data });
          return text + close();
        }
        let text = open?.kind === 'thinking' ? '' : openBlock({ kind: 'thinking', index: nextIndex++ }, { type: 'thinking', thinking: '', signature: '' });
        const index = open!.index;
        if (e.text !== '') text += write('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: e.text } });
        if (e.signature) text += write('content_block_delta', { index, delta: { type: 'signature_delta', signature: e.signature } });
        return text;
      }
      case 'tool-call-start': {
        const index = nextIndex++;
        toolBlocks.set(e.index, index);
        return openBlock({ kind: 'tool', index, call: e.index }, { type: 'tool_use', id: e.id, name: e.name, input: {} });
      }
      case 'tool-call-delta': {
        const index = toolBlocks.get(e.index);
        if (index === undefined || e.arguments === '') return '';
        return write('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: e.arguments } });
      }
      case 'tool-call-end':
        return open?.kind === 'tool' && open.call === e.index ? close() : '';
      case 'usage':
        usage = { ...usage, ...e.usage };
        // A usage after the finish is the final one: the held message_delta can go now.
        return messageDelta();
      case 'finish':
        finish = { reason: e.reason, ...(e.stopSequence ? { stopSequence: e.stopSequence } : {}) };
        return start() + close();
      default:
        // An error event is written by fail().
        return '';
    }
  }

  return {
    event,
    end() {
      if (!finish) finish = { reason: 'stop' };
      return start() + close() + messageDelta() + write('message_stop', {});
    },
    fail(error: ClientError) {
      return write('error', { error: anthropicErrorObject(error) });
    },
  };
}
