import type { Usage } from '../../ir/events.ts';
import type { GeminiUsageMetadata } from './wire-types.ts';

/**
 * Gemini usage → IR usage. `promptTokenCount` already includes cached tokens (IR semantics), so it
 * is the input count as is and `cachedContentTokenCount` is the cached share. Thinking tokens are
 * billed as output but counted apart (`thoughtsTokenCount`), so output = candidates + thoughts.
 */
export function mapUsage(usage: GeminiUsageMetadata): Usage {
  const thoughts = usage.thoughtsTokenCount ?? 0;
  const result: Usage = { inputTokens: usage.promptTokenCount ?? 0, outputTokens: (usage.candidatesTokenCount ?? 0) + thoughts };
  if (usage.cachedContentTokenCount !== undefined) result.cacheReadTokens = usage.cachedContentTokenCount;
  if (usage.thoughtsTokenCount !== undefined) result.reasoningTokens = thoughts;
  return result;
}
