import type { BreakerSettings } from '../config/schema.ts';

/**
 * The ports: everything the core needs from the outside world. Adapters implement them (DynamoDB,
 * SSM, CloudWatch on AWS; memory, files, console locally); tests use the same in-memory ones.
 */

/** Milliseconds since the epoch. Injected so breaker and watchdog logic runs under a fake clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** One HTTP exchange with a provider (shapes in ir/upstream.ts: provider dialects use them too). */
export type { HeaderReader, Upstream, UpstreamRequest, UpstreamResponse } from '../ir/upstream.ts';

/** Resolves `env:NAME` / `ssm:/path` references; undefined when the secret is not there. */
export interface Secrets {
  resolve(reference: string): Promise<string | undefined>;
}

// ── Breakers ─────────────────────────────────────────────────────────────────────────────────

/** A target's breaker key: `provider/model`. */
export type TargetKey = string;

export type BreakerState = 'closed' | 'open' | 'half-open';
export type ForcedMode = 'open' | 'closed' | 'auto';

/** What the breaker says about one attempt. Carries the generation it was decided under. */
export type Admission =
  /** `failing`: a closed breaker already counting failures in a row (no same-target retry then). */
  | { decision: 'allow'; generation: number; failing?: boolean }
  | { decision: 'probe'; generation: number; leaseId: string; leaseUntil: number }
  | {
      decision: 'skip';
      generation: number;
      reason: 'open' | 'half-open-busy' | 'cooldown' | 'forced-open';
      /** When the target may be tried again (for the all-open "panic" choice). */
      until: number;
    };

/** The outcome of an admitted attempt, as the breaker counts it (see core/retry-rules.ts). */
export type BreakerOutcome =
  | { kind: 'success' }
  /** A failure; `slow` for header and first-token timeouts. */
  | { kind: 'failure'; slow?: boolean }
  /** A failure that opens at once for `longOpenMs` (auth, quota). */
  | { kind: 'long-open' }
  /** Not a failure: skip the target until `until` (a 429). */
  | { kind: 'cooldown'; until: number }
  /** Says nothing about the target's health (the caller's own error); releases a probe lease. */
  | { kind: 'neutral' };

export interface BreakerSnapshot {
  target: TargetKey;
  state: BreakerState;
  generation: number;
  forced: ForcedMode;
  openUntil: number;
  cooldownUntil: number;
  consecutiveOpens: number;
  consecutiveFailures: number;
  /** Calls and failures inside the current window. */
  windowCalls: number;
  windowFailures: number;
  /** Probe leases currently held. */
  probes: number;
}

/**
 * Circuit breakers per target (RELIABILITY.md §2). `admit` decides and, for a half-open target,
 * takes a probe lease; `report` counts an outcome under the generation it was admitted in (an
 * outcome from an older generation changes nothing). Implementations never throw: a store that
 * cannot answer degrades to its own fallback.
 */
export interface BreakerStore {
  admit(target: TargetKey, settings: BreakerSettings, leaseMs: number): Promise<Admission>;
  report(target: TargetKey, settings: BreakerSettings, admission: Admission, outcome: BreakerOutcome): Promise<void>;
  /** Health checker: open a closed target (probes failing), or move open → half-open (probes pass). */
  observeProbe(target: TargetKey, settings: BreakerSettings, healthy: boolean): Promise<void>;
  list(): Promise<BreakerSnapshot[]>;
  force(target: TargetKey, mode: ForcedMode): Promise<void>;
}

// ── Telemetry ────────────────────────────────────────────────────────────────────────────────

/** The outcome of an attempt the caller's hang-up ended: neutral for the breaker and the health metrics. */
export const CLIENT_GONE = 'client-gone';
/** The outcome of an attempt that lost a hedge race and was aborted by the proxy: neutral too. */
export const HEDGE_LOST = 'hedge-lost';

export interface AttemptRecord {
  target: TargetKey;
  provider: string;
  model: string;
  /** HTTP status or outcome tag: `200`, `503`, `reset`, `header-timeout`, `skipped-open` … */
  outcome: string;
  durationMs: number;
  /** The one attempt a half-open breaker let through to test the target. */
  probe?: boolean;
  /** Every target was open: this attempt went to the one that reopens first (RELIABILITY.md §2). */
  panic?: boolean;
}

/** One record per request: everything the log line and the metrics need, and never content. */
export interface RequestRecord {
  requestId: string;
  ingress: string;
  /** The configured alias, or `(unknown)` when the request named none (core/alias-lookup.ts). */
  alias: string;
  /** With an `(unknown)` alias: the model name the caller sent (cut short in logs). */
  requestedModel?: string;
  stream: boolean;
  status: number;
  attempts: AttemptRecord[];
  /** `position`: 1-based place of the serving target in the alias's configured chain. */
  servedBy?: { provider: string; model: string; primary: boolean; position?: number };
  errorType?: string;
  /** Every target was tried or skipped and none served. */
  exhausted?: boolean;
  /** Failed after the commit point: the client got an in-band error. */
  truncated?: boolean;
  /** The client hung up before the end: neither an error nor the providers' fault. */
  cancelled?: boolean;
  /** A hedge was started (policy.hedgeAfterMs); `hedgeWon`: the hedge served. */
  hedged?: boolean;
  hedgeWon?: boolean;
  /** Continuations that carried a broken stream on; `continuationFailed`: the last one failed too. */
  continued?: number;
  continuationFailed?: boolean;
  timeToFirstTokenMs?: number;
  durationMs: number;
  usage?: { inputTokens: number; outputTokens: number };
  /** The alias route that served (`default`: the alias's own targets). */
  route?: string;
  /** The spent budget that imposed the route, or rejected the request. */
  budget?: string;
  /** The complexity score, when a route condition read it. */
  complexity?: number;
  /** USD of the answer, and what the alias's own first target would have charged for the same usage. */
  costUsd?: number;
  defaultRouteCostUsd?: number;
}

export interface Telemetry {
  request(record: RequestRecord): void;
  /** A named counter or gauge, e.g. `BreakerStoreDegraded`, with dimensions. */
  metric(name: string, value: number, dimensions?: Record<string, string>, unit?: 'Count' | 'Milliseconds'): void;
  log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}
