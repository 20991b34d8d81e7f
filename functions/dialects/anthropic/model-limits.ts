/**
 * `max_tokens` when the request names none (Anthropic requires the field), for models this table
 * does not know. 4096 is also LiteLLM's default. A moderate default on purpose: Anthropic reserves
 * output-token rate limit from `max_tokens` when a request starts, so a model-maximum default would
 * eat the per-minute output budget of small accounts.
 */
export const DEFAULT_MAX_TOKENS = 4096;

export interface ModelLimits {
  /** The model's maximum output tokens (`max_tokens` is clamped to it); undefined when unknown. */
  maxOutput?: number;
  /** `max_tokens` when the request has none. */
  defaultOutput: number;
}

/**
 * Known Claude families by model-id prefix (first match wins, so longer prefixes come first).
 * Maximum output tokens as Anthropic documents them; the default is 8192 for families that allow
 * it (see DEFAULT_MAX_TOKENS for why not the maximum).
 */
const FAMILIES: [prefix: string, maxOutput: number, defaultOutput: number][] = [
  ['claude-opus-4-8', 64000, 8192],
  ['claude-opus-4-7', 64000, 8192],
  ['claude-opus-4-6', 64000, 8192],
  ['claude-opus-4-5', 64000, 8192],
  ['claude-opus-4-1', 32000, 8192],
  ['claude-opus-4', 32000, 8192],
  ['claude-sonnet-4', 64000, 8192],
  ['claude-haiku-4', 64000, 8192],
  ['claude-3-7-sonnet', 64000, 8192],
  ['claude-3-5-', 8192, 8192],
  ['claude-3-', 4096, 4096],
];

/** Output limits of a model id; unknown models get no clamp and DEFAULT_MAX_TOKENS. */
export function modelLimits(model: string): ModelLimits {
  const id = model.toLowerCase();
  for (const [prefix, maxOutput, defaultOutput] of FAMILIES) if (id.startsWith(prefix)) return { maxOutput, defaultOutput };
  return { defaultOutput: DEFAULT_MAX_TOKENS };
}
