/**
 * Why an upstream attempt failed, as a value. Provider dialects classify their errors into these
 * kinds; `core/retry-rules.ts` decides what each kind means for retry, failover and the breaker.
 */
export type FailureKind =
  /** Connection refused, reset, DNS or TLS failure before response headers. */
  | 'connect'
  /** No response headers within `headerTimeoutMs`. */
  | 'header-timeout'
  /** Headers, but no first content within `firstTokenTimeoutMs`. */
  | 'first-token-timeout'
  /** No event for `idleTimeoutMs` after content started. */
  | 'idle-timeout'
  /** 500/502/503/504/529, in-stream overloaded_error/api_error. */
  | 'server'
  /** A transient 429 (rate limit): a cooldown, not a failure. */
  | 'rate-limit'
  /** Quota or billing exhausted (OpenAI insufficient_quota, 402): our account is broken there. */
  | 'quota'
  /** 401/403: our key is broken there. */
  | 'auth'
  /** The prompt does not fit this model's context window. */
  | 'context-length'
  /** The provider refused on content policy / safety grounds. */
  | 'content-policy'
  /** Any other 4xx: the caller's error (bad parameter, unknown model, too large…). */
  | 'invalid-request'
  /**
   * This target cannot express the request (an image URL on Bedrock, n > 1 …), found before any
   * upstream call: try the next target; if none can, the caller gets a 400 with this message.
   */
  | 'unsupported'
  /** Stream cut, unrecoverable malformed data, or ended without a terminal event. */
  | 'stream-broken'
  /** A 200 whose answer has no content and no tool call (empty choices, empty text, zero output). */
  | 'empty-answer';

export interface Failure {
  kind: FailureKind;
  /** The upstream HTTP status, when there was one. */
  status?: number;
  /** The provider's retry hint (`retry-after-ms`, `retry-after`, RetryInfo …), in ms. */
  retryAfterMs?: number;
  /** The provider's own reason, kept so a final error can carry it to the client. */
  message: string;
  /** The provider's error type or code (`overloaded_error`, `insufficient_quota`, …). */
  providerCode?: string;
  /** The offending parameter, when the provider named one. */
  param?: string;
}
