import type { Usage } from '../../ir/events.ts';
import type { OpenAiUsage } from './wire-types.ts';

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Upstream usage → IR. `prompt_tokens` already includes cached tokens (the IR's meaning);
 * the cached count comes from `prompt_tokens_details.cached_tokens`, or DeepSeek's
 * `prompt_cache_hit_tokens`.
 */
export function usageFromOpenAi(usage: OpenAiUsage): Usage {
  const result: Usage = { inputTokens: count(usage.prompt_tokens) ?? 0, outputTokens: count(usage.completion_tokens) ?? 0 };
  const cached = count(usage.prompt_tokens_details?.cached_tokens) ?? count(usage.prompt_cache_hit_tokens);
  if (cached !== undefined) result.cacheReadTokens = cached;
  const reasoning = count(usage.completion_tokens_details?.reasoning_tokens);
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  return result;
}

/** The client-facing `usage` object. Details appear only when the upstream reported them. */
export interface OpenAiUsageOut {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

/** IR usage → the client's `usage` object. */
export function usageToOpenAi(usage: Usage): OpenAiUsageOut {
  const out: OpenAiUsageOut = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cacheReadTokens !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cacheReadTokens };
  if (usage.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return out;
}
