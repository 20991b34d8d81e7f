import type { Usage } from '../../ir/events.ts';

/** USD per million tokens. `cachedInput`: input tokens read from a prompt cache. */
export interface Price {
  input: number;
  output: number;
  cachedInput?: number;
}

/**
 * List prices of common models (USD per million tokens, standard tier, prompts under any long-
 * context surcharge), as published by the providers in 2025. Matched like context windows: by a
 * fragment of the upstream model name, longest first, so Bedrock and OpenRouter ids find their
 * entry. Override any of them, or price an unlisted model, with `prices: { provider/model: … }`.
 * A target without a price has no cost: it is reported as such at start-up, and budgets do not
 * see its spend.
 */
export const DEFAULT_PRICES: ReadonlyArray<readonly [fragment: string, price: Price]> = [
  ['gpt-4o', { input: 2.5, output: 10, cachedInput: 1.25 }],
  ['gpt-4o-mini', { input: 0.15, output: 0.6, cachedInput: 0.075 }],
  ['gpt-4.1', { input: 2, output: 8, cachedInput: 0.5 }],
  ['gpt-4.1-mini', { input: 0.4, output: 1.6, cachedInput: 0.1 }],
  ['gpt-4.1-nano', { input: 0.1, output: 0.4, cachedInput: 0.025 }],
  ['gpt-5', { input: 1.25, output: 10, cachedInput: 0.125 }],
  ['gpt-5-mini', { input: 0.25, output: 2, cachedInput: 0.025 }],
  ['gpt-5-nano', { input: 0.05, output: 0.4, cachedInput: 0.005 }],
  ['o3', { input: 2, output: 8, cachedInput: 0.5 }],
  ['o4-mini', { input: 1.1, output: 4.4, cachedInput: 0.275 }],
  ['claude-opus-4-5', { input: 5, output: 25, cachedInput: 0.5 }],
  ['claude-opus-4', { input: 15, output: 75, cachedInput: 1.5 }],
  ['claude-sonnet-4', { input: 3, output: 15, cachedInput: 0.3 }],
  ['claude-3-7-sonnet', { input: 3, output: 15, cachedInput: 0.3 }],
  ['claude-haiku-4-5', { input: 1, output: 5, cachedInput: 0.1 }],
  ['claude-3-5-haiku', { input: 0.8, output: 4, cachedInput: 0.08 }],
  ['gemini-2.5-pro', { input: 1.25, output: 10, cachedInput: 0.31 }],
  ['gemini-2.5-flash', { input: 0.3, output: 2.5, cachedInput: 0.075 }],
  ['gemini-2.5-flash-lite', { input: 0.1, output: 0.4, cachedInput: 0.025 }],
  ['llama-3.3-70b', { input: 0.59, output: 0.79 }],
  ['llama-3.1-8b', { input: 0.05, output: 0.08 }],
  ['mistral-large', { input: 2, output: 6 }],
  ['mistral-small', { input: 0.1, output: 0.3 }],
  ['deepseek-chat', { input: 0.27, output: 1.1, cachedInput: 0.07 }],
  ['deepseek-reasoner', { input: 0.55, output: 2.19, cachedInput: 0.14 }],
];

const BY_LENGTH = [...DEFAULT_PRICES].sort((a, b) => b[0].length - a[0].length);

/** The default price of a model, or undefined when the table does not know it. */
export function defaultPrice(model: string): Price | undefined {
  const name = model.toLowerCase();
  for (const [fragment, price] of BY_LENGTH) if (name.includes(fragment)) return price;
  return undefined;
}

/** One nano-dollar: spend is counted in integers of these, so sums are exact everywhere. */
export const NANO_USD_PER_USD = 1e9;

/**
 * The cost of one answer in nano-USD (an integer, rounded up). Input tokens count every input token,
 * cached ones included (IR Usage semantics); cached reads are billed at `cachedInput` when the price
 * has one. Cache writes are billed as plain input (Anthropic charges them 1.25×: a small undercount).
 */
export function costNanoUsd(usage: Pick<Usage, 'inputTokens' | 'outputTokens' | 'cacheReadTokens'>, price: Price): number {
  const cached = price.cachedInput !== undefined ? Math.min(usage.cacheReadTokens ?? 0, usage.inputTokens) : 0;
  // USD per million tokens → nano-USD per token = price × 1000.
  const nano = (usage.inputTokens - cached) * price.input * 1000 + cached * (price.cachedInput ?? 0) * 1000 + usage.outputTokens * price.output * 1000;
  return Math.ceil(nano - 1e-6);
}
