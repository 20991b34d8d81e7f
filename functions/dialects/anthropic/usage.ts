import type { Usage } from '../../ir/events.ts';

/** Anthropic's `usage` object (in `message`, `message_start.message` and `message_delta`). */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/**
 * Anthropic usage → IR usage. Anthropic's `input_tokens` counts only the uncached part of the
 * prompt, while the IR counts every input token, so:
 *
 *   IR inputTokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens
 *
 * and the cache counts say how many of them were read from or written to the prompt cache.
 */
export function usageFromAnthropic(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const result: Usage = { inputTokens: (usage.input_tokens ?? 0) + cacheRead + cacheWrite, outputTokens: usage.output_tokens ?? 0 };
  if (typeof usage.cache_read_input_tokens === 'number') result.cacheReadTokens = cacheRead;
  if (typeof usage.cache_creation_input_tokens === 'number') result.cacheWriteTokens = cacheWrite;
  return result;
}

/**
 * IR usage → Anthropic usage, the inverse of `usageFromAnthropic`:
 *
 *   input_tokens = inputTokens − cacheReadTokens − cacheWriteTokens   (never below 0)
 *
 * Both cache counts are always present (0 when unknown), as Anthropic's own API sends them.
 */
export function usageToAnthropic(usage: Usage): Required<{ [K in keyof AnthropicUsage]: number }> {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: cacheWrite,
  };
}
