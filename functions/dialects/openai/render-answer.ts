import type { Answer } from '../../ir/answer.ts';
import type { ResponseMeta } from '../../ir/dialect.ts';
import { finishToOpenAi } from './finish-reason.ts';
import { usageToOpenAi } from './usage.ts';

/**
 * An Answer as a `chat.completion` object. Text parts are joined into `content` (null when there
 * is none). Reasoning, when the upstream produced any, goes to `message.reasoning_content`: the
 * field DeepSeek, xAI and vLLM use and OpenAI SDKs pass through untouched; OpenAI's own API never
 * sends it. `usage` is omitted when the upstream reported none.
 */
export function renderOpenAiAnswer(answer: Answer, meta: ResponseMeta): string {
  let text: string | null = null;
  let reasoning = '';
  const toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  for (const part of answer.content) {
    if (part.type === 'text') text = (text ?? '') + part.text;
    else if (part.type === 'reasoning') reasoning += part.text;
    // A call without arguments gets "{}": clients JSON.parse what they get.
    else toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments || '{}' } });
  }
  const message: Record<string, unknown> = { role: 'assistant', content: text, refusal: null };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const completion: Record<string, unknown> = {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, finish_reason: finishToOpenAi(answer.finishReason), logprobs: null }],
  };
  if (answer.usage) completion.usage = usageToOpenAi(answer.usage);
  return JSON.stringify(completion);
}
