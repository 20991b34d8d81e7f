import type { ClientError } from '../../ir/client-error.ts';
import type { ResponseMeta, StreamEncoder } from '../../ir/dialect.ts';
import type { Usage } from '../../ir/events.ts';
import { sse } from '../shared/sse.ts';
import { finishToOpenAi } from './finish-reason.ts';
import { openAiErrorObject } from './render-error.ts';
import { usageToOpenAi } from './usage.ts';

/**
 * IR events → `chat.completion.chunk` SSE. Every chunk carries the same id, created and model. The
 * first chunk says `role: 'assistant'` (on `start`, or before the first content if no start came).
 * Reasoning goes out as `delta.reasoning_content` (the DeepSeek/xAI convention; OpenAI SDKs ignore
 * it). Usage is held and written, when the client asked for it (`stream_options.include_usage`),
 * as OpenAI does: one chunk with `choices: []` after the finish chunk, just before `[DONE]`. It is
 * held until `end()` because some providers report usage after their finish event.
 */
export function createOpenAiEncoder(meta: ResponseMeta, resume?: { roleSent: boolean }): StreamEncoder {
  // After a stream passed through unchanged (ir/lane.ts) the role chunk was the upstream's.
  let roleSent = resume?.roleSent ?? false;
  let finished = false;
  let usage: Usage | undefined;
  /** Tool calls (by index) that have received argument text. */
  const withArguments = new Set<number>();

  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): string =>
    sse(
      JSON.stringify({
        id: meta.id,
        object: 'chat.completion.chunk',
        created: meta.created,
        model: meta.model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      }),
    );

  const role = (): string => {
    if (roleSent) return '';
    roleSent = true;
    return chunk({ role: 'assistant', content: '' });
  };

  return {
    event(event) {
      if (finished && event.type !== 'usage') return '';
      switch (event.type) {
        case 'start':
          return role();
        case 'text-delta':
          return event.text === '' ? role() : role() + chunk({ content: event.text });
        case 'reasoning-delta':
          return event.text === '' ? role() : role() + chunk({ reasoning_content: event.text });
        case 'tool-call-start':
          return role() + chunk({ tool_calls: [{ index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } }] });
        case 'tool-call-delta':
          if (event.arguments === '') return role();
          withArguments.add(event.index);
          return role() + chunk({ tool_calls: [{ index: event.index, function: { arguments: event.arguments } }] });
        case 'tool-call-end':
          // A call without arguments still needs valid JSON: clients JSON.parse what they get.
          return withArguments.has(event.index) ? '' : chunk({ tool_calls: [{ index: event.index, function: { arguments: '{}' } }] });
        case 'usage':
          usage = { ...usage, ...event.usage };
          return '';
        case 'finish':
          finished = true;
          return role() + chunk({}, finishToOpenAi(event.reason));
        default:
          // An error event is written by fail().
          return '';
      }
    },
    end() {
      let text = '';
      if (meta.request.includeUsage && usage) {
        text += sse(JSON.stringify({ id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [], usage: usageToOpenAi(usage) }));
      }
      return `${text}data: [DONE]\n\n`;
    },
    fail(error: ClientError) {
      // OpenAI's mid-stream error form: SDKs throw on it. No finish_reason and no [DONE] follow.
      return sse(JSON.stringify({ error: openAiErrorObject(error) }));
    },
  };
}
