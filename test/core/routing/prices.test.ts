import { describe, expect, it } from 'vitest';
import { defaultContextWindow } from '../../../functions/core/routing/context-windows.ts';
import { costNanoUsd, defaultPrice } from '../../../functions/core/routing/prices.ts';

describe('prices and cost', () => {
  it('finds the default price of dated, Bedrock and OpenRouter ids, the longest fragment first', () => {
    expect(defaultPrice('gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10, cachedInput: 1.25 });
    expect(defaultPrice('gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6, cachedInput: 0.075 });
    expect(defaultPrice('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({ input: 3, output: 15, cachedInput: 0.3 });
    expect(defaultPrice('anthropic/claude-haiku-4-5')).toEqual({ input: 1, output: 5, cachedInput: 0.1 });
    expect(defaultPrice('my-fine-tune')).toBeUndefined();
  });

  it('prices usage in exact integer nano-dollars, cached input at its own rate', () => {
    // 1,000 input (400 cached) and 500 output on gpt-4o: 600 × 2.5 + 400 × 1.25 + 500 × 10 µ$… per million.
    expect(costNanoUsd({ inputTokens: 1_000, outputTokens: 500, cacheReadTokens: 400 }, { input: 2.5, output: 10, cachedInput: 1.25 })).toBe(600 * 2_500 + 400 * 1_250 + 500 * 10_000);
    // Without a cached rate, cached tokens are billed as input.
    expect(costNanoUsd({ inputTokens: 1_000, outputTokens: 0, cacheReadTokens: 400 }, { input: 0.59, output: 0.79 })).toBe(590_000);
    // Fractional rates round up to the next nano-dollar, never down to zero.
    expect(costNanoUsd({ inputTokens: 1, outputTokens: 0 }, { input: 0.075, output: 0 })).toBe(75);
    expect(costNanoUsd({ inputTokens: 3, outputTokens: 0 }, { input: 0.0375, output: 0 })).toBe(113);
  });

  it('knows the context windows of common models', () => {
    expect(defaultContextWindow('gpt-4o-mini-2024-07-18')).toBe(128_000);
    expect(defaultContextWindow('gpt-4.1-mini')).toBe(1_047_576);
    expect(defaultContextWindow('claude-sonnet-4-5')).toBe(200_000);
    expect(defaultContextWindow('llama-3.1-8b-instant')).toBe(131_072);
    expect(defaultContextWindow('something-new')).toBeUndefined();
  });
});
