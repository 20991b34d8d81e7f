/**
 * Every default in one place. The README's config reference is generated from reading this file:
 * keep the two in step.
 */
export const DEFAULT_POLICY = {
  /** Attempts per request in all, across retries and failovers. */
  maxAttempts: 3,
  /** Time to upstream response headers. */
  headerTimeoutMs: 10_000,
  /** Time from headers to the first content event. */
  firstTokenTimeoutMs: 15_000,
  /** Longest silence between two events once content flows. */
  idleTimeoutMs: 30_000,
  /** One deadline for the whole request (capped by the remaining Lambda time). */
  totalTimeoutMs: 300_000,
  /** A 429's retry-after is honoured on the same target only if it is at most this long. */
  maxRetryAfterWaitMs: 2_000,
  /** Backoff before retrying the same target: full jitter over base·2^n, capped. */
  backoffBaseMs: 100,
  backoffMaxMs: 2_000,
  /** Fail over on a content-policy refusal instead of returning it (opt-in per alias). */
  failoverOnContentPolicy: false,
  /** Ask another attempt to continue a stream that broke after text reached the client. */
  continueStreams: true,
  /** Continuations one request may make (each is an upstream attempt of its own). */
  maxContinuations: 2,
  /**
   * A target that speaks the client's API gets the client's own body and its stream goes back
   * unchanged (the pass-through lane); false: every attempt is translated through the IR.
   */
  passThrough: true,
  /** Hedged requests may be at most this share of an alias's requests in a minute (cost guard). */
  hedgeMaxShare: 0.1,
  breaker: {
    /** Open when failures / calls in the window reach this rate … */
    failureRate: 0.5,
    /** … over this window (6 buckets) … */
    windowMs: 60_000,
    /** … once the window holds at least this many calls. */
    minCalls: 10,
    /** Or open after this many failures in a row. */
    consecutiveFailures: 5,
    /** First open period; doubles per consecutive re-open up to maxOpenMs, ±20 % jitter. */
    openMs: 10_000,
    maxOpenMs: 20_000,
    /** Open period after an auth or quota failure (our key or account is broken there). */
    longOpenMs: 300_000,
    /** Concurrent half-open probes allowed fleet-wide. */
    probes: 1,
  },
} as const;

/**
 * Upper bound of `breaker.probes`: a shared store keeps one lease slot per probe on the breaker's
 * record, and a transition frees them all in one write.
 */
export const MAX_PROBES = 8;

export const DEFAULT_LIMITS = {
  /** Largest request body accepted (bytes). Lambda function URLs cap payloads at 6 MB. */
  maxBodyBytes: 6 * 1024 * 1024,
  /** Deepest nesting of the request's JSON (a 10,000-level body once reset an upstream and opened its breaker). */
  maxJsonDepth: 64,
  /** Messages (or Responses input items) in one request; long agent sessions stay far below. */
  maxMessages: 5_000,
  /** Tool definitions in one request. */
  maxTools: 512,
  /** Items of any one array (or keys of any one object) in the request. */
  maxArrayItems: 10_000,
  /** Characters of any one string in the request (a base64 image fits). */
  maxStringChars: 5 * 1024 * 1024,
  /** Bytes of a non-streamed answer aggregated in memory; stream bigger answers. */
  maxAnswerBytes: 32 * 1024 * 1024,
} as const;

/**
 * Bound on one shadow call (`aliases.x.shadow.timeoutMs`). On Lambda the invocation waits for its
 * shadows before it ends (and is billed for it), so a shadow target that hangs must not hold the
 * instance for the whole request deadline; 30 s covers a typical full answer.
 */
export const DEFAULT_SHADOW_TIMEOUT_MS = 30_000;

/** Bounds of the local server's sockets (functions/local/http-server.ts). */
export const DEFAULT_SERVER_LIMITS = {
  /** A client has this long to send its request headers (slowloris). */
  headersTimeoutMs: 10_000,
  /** … and this long for the whole request, body included (a never-ending upload). */
  requestTimeoutMs: 60_000,
  /** Open connections at once; more are closed on arrival. */
  maxConnections: 1_024,
} as const;

/**
 * The proxy's own store of Responses API conversations (`responses.store`), off by default. An
 * item lives in the stack's DynamoDB table (in memory locally) for `ttlSeconds`; a conversation
 * larger than `maxBytes` is not stored (a DynamoDB item holds at most 400 KB).
 */
export const DEFAULT_RESPONSE_STORE = {
  enabled: false,
  ttlSeconds: 24 * 3600,
  maxBytes: 256 * 1024,
} as const;

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
