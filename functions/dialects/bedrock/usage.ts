import type { TokenUsage } from '@aws-sdk/client-bedrock-runtime';
import type { Usage } from '../../ir/events.ts';

/**
 * Bedrock usage → IR usage. Bedrock's `inputTokens` counts only the uncached part of the prompt
 * (as Anthropic's `input_tokens` does), while the IR counts every input token: so IR
 * `inputTokens = inputTokens + cacheReadInputTokens + cacheWriteInputTokens`, and the cache counts
 * say how many of them were read from or written to the prompt cache.
 */
export function mapUsage(usage: TokenUsage): Usage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const result: Usage = {
    inputTokens: (usage.inputTokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: usage.outputTokens ?? 0,
  };
  if (usage.cacheReadInputTokens !== undefined) result.cacheReadTokens = cacheRead;
  if (usage.cacheWriteInputTokens !== undefined) result.cacheWriteTokens = cacheWrite;
  return result;
}
