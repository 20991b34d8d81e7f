/**
 * The IR has one reasoning part; Anthropic has two block kinds. A `redacted_thinking` block
 * (encrypted reasoning, `data` only) travels as a reasoning part with empty text whose signature
 * is this prefix + the block's `data`, so it can be replayed unchanged to an Anthropic upstream.
 * Real signatures are base64 and never contain `:`, so the prefix cannot collide with one.
 */
export const REDACTED_PREFIX = 'redacted_thinking:';

/** The redacted block's `data`, when the signature carries one. */
export function redactedData(signature: string | undefined): string | undefined {
  return signature?.startsWith(REDACTED_PREFIX) ? signature.slice(REDACTED_PREFIX.length) : undefined;
}
