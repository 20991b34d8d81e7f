/**
 * Secret scrubbing for any text that came from an upstream (error bodies, in-stream error
 * messages) before it reaches a caller or a log: the configured keys themselves, and anything
 * shaped like a provider key, whoever's it is.
 */

export const REDACTED = '[redacted]';

/** Provider-key shapes: OpenAI/Anthropic/OpenRouter `sk-…`, Google `AIza…`, AWS access key ids, Groq, xAI, Perplexity, Fireworks, Hugging Face, GitHub, Understudy's own keys, bearer tokens. */
const KEY_SHAPES = [
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\b(?:gsk|xai|pplx|fw|hf|ghp|gho|github_pat)[-_][A-Za-z0-9_]{16,}/g,
  /\busa?_[0-9A-Za-z_-]{20,}/g,
  /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi,
];

/** Shorter configured values are not scrubbed by value (they would match ordinary words). */
const MIN_SECRET_LENGTH = 8;

/** `text` with every secret in `secrets` and every key-shaped string replaced by `[redacted]`. */
export function scrubSecrets(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const shape of KEY_SHAPES) out = out.replace(shape, (match, prefix?: string) => (typeof prefix === 'string' && /^Bearer/i.test(prefix) ? `${prefix}${REDACTED}` : REDACTED));
  return out;
}
