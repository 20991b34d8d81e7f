import type { Answer } from '../../ir/answer.ts';
import type { ResponseMeta } from '../../ir/dialect.ts';
import { estimateInputTokens } from '../shared/token-estimate.ts';
import { type AnswerBlock, answerBlock } from './content-blocks.ts';
import { finishToAnthropic } from './stop-reason.ts';
import { usageToAnthropic } from './usage.ts';

/**
 * An Answer as an Anthropic `message` object. Blocks keep the answer's order (thinking, text,
 * tool_use …); tool arguments become `input` objects (see `toolInput` for invalid JSON). Usage is
 * always present, as in Anthropic's API: when the upstream reported none, the input is the cheap
 * estimate the streamed form also gives (shared/token-estimate.ts) and the output 0.
 */
export function renderAnthropicAnswer(answer: Answer, meta: ResponseMeta): string {
  const content: AnswerBlock[] = [];
  for (const part of answer.content) {
    const block = answerBlock(part);
    if (block) content.push(block);
  }
  return JSON.stringify({
    id: meta.id,
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content,
    stop_reason: finishToAnthropic(answer.finishReason),
    stop_sequence: answer.stopSequence ?? null,
    stop_details: null,
    usage: usageToAnthropic(answer.usage ?? { inputTokens: estimateInputTokens(meta.request), outputTokens: 0 }),
  });
}
