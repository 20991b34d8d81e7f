/**
 * Context windows (input + output tokens) of common models, matched by a fragment of the upstream
 * model name so that dated snapshots, Bedrock ids (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`)
 * and vendor prefixes (`openai/gpt-4o` on OpenRouter) find their entry. The longest matching
 * fragment wins. Override per target with `contextWindow`; a model not listed has no known window
 * and is never skipped for its size.
 */
const WINDOWS: ReadonlyArray<readonly [fragment: string, tokens: number]> = [
  ['gpt-4o', 128_000],
  ['gpt-4o-mini', 128_000],
  ['gpt-4.1', 1_047_576],
  ['gpt-4-turbo', 128_000],
  ['gpt-3.5-turbo', 16_385],
  ['gpt-5', 400_000],
  ['o1', 200_000],
  ['o3', 200_000],
  ['o4-mini', 200_000],
  ['claude-opus-4', 200_000],
  ['claude-sonnet-4', 200_000],
  ['claude-haiku-4', 200_000],
  ['claude-3-7-sonnet', 200_000],
  ['claude-3-5-sonnet', 200_000],
  ['claude-3-5-haiku', 200_000],
  ['claude-3-haiku', 200_000],
  ['gemini-2.5', 1_048_576],
  ['gemini-2.0-flash', 1_048_576],
  ['gemini-1.5-pro', 2_097_152],
  ['gemini-1.5-flash', 1_048_576],
  ['llama-3.3-70b', 131_072],
  ['llama-3.1-8b', 131_072],
  ['llama3.1', 131_072],
  ['llama-3.1-70b', 131_072],
  ['mistral-large', 131_072],
  ['mistral-small', 32_768],
  ['deepseek-chat', 65_536],
  ['deepseek-reasoner', 65_536],
  ['grok-4', 256_000],
  ['grok-3', 131_072],
];

const BY_LENGTH = [...WINDOWS].sort((a, b) => b[0].length - a[0].length);

/** The default window of a model, or undefined when the table does not know it. */
export function defaultContextWindow(model: string): number | undefined {
  const name = model.toLowerCase();
  for (const [fragment, tokens] of BY_LENGTH) if (name.includes(fragment)) return tokens;
  return undefined;
}

/** A request of `inputTokens` (estimated) cannot fit a target whose window is known and smaller. */
export function exceedsWindow(inputTokens: number, window: number | undefined): boolean {
  return window !== undefined && inputTokens > window;
}

/**
 * After a context-length error on a target of window `floor`, only a strictly larger known window
 * may be tried: a target of unknown window is skipped too, since it may well be smaller.
 */
export function largerWindow(window: number | undefined, floor: number): boolean {
  return window !== undefined && window > floor;
}
