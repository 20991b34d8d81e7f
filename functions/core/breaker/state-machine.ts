import type { BreakerSettings } from '../../config/schema.ts';
import type { Admission, BreakerOutcome, BreakerSnapshot, BreakerState, ForcedMode, TargetKey } from '../ports.ts';

/**
 * The circuit breaker of one target as pure functions over a plain record (RELIABILITY.md §2).
 * The in-memory store keeps records in a Map; the DynamoDB store keeps the same fields in an item
 * and uses the same functions to decide, then writes conditionally on the generation it read.
 */

/** Calls and failures counted in one time bucket of the window. */
export interface Bucket {
  /** Start of the bucket, ms since the epoch (a multiple of the bucket length). */
  start: number;
  calls: number;
  failures: number;
}

export interface ProbeLease {
  id: string;
  until: number;
}

export interface BreakerRecord {
  state: BreakerState;
  /** Bumped by every transition; outcomes admitted under an older one are ignored. */
  generation: number;
  forced: ForcedMode;
  openUntil: number;
  /** A 429 asked us to stay away until then; not a failure, so the state is untouched. */
  cooldownUntil: number;
  /** Opens since the last close: the open period doubles with each. */
  consecutiveOpens: number;
  consecutiveFailures: number;
  buckets: Bucket[];
  leases: ProbeLease[];
}

/** The window is cut into this many buckets; older buckets are ignored by age, not deleted. */
export const WINDOW_BUCKETS = 6;
/** Open periods vary by ±20 % so a fleet does not re-probe in lock-step. */
export const OPEN_JITTER = 0.2;
/** `until` of a target forced open: never, for the panic choice. */
export const FOREVER = Number.MAX_SAFE_INTEGER;

export function initialRecord(): BreakerRecord {
  return {
    state: 'closed',
    generation: 0,
    forced: 'auto',
    openUntil: 0,
    cooldownUntil: 0,
    consecutiveOpens: 0,
    consecutiveFailures: 0,
    buckets: [],
    leases: [],
  };
}

export function bucketMs(settings: BreakerSettings): number {
  return Math.max(1, Math.floor(settings.windowMs / WINDOW_BUCKETS));
}

export function bucketStart(now: number, settings: BreakerSettings): number {
  const size = bucketMs(settings);
  return Math.floor(now / size) * size;
}

/** Buckets younger than the window. */
export function liveBuckets(buckets: Bucket[], now: number, settings: BreakerSettings): Bucket[] {
  const oldest = bucketStart(now, settings) - (WINDOW_BUCKETS - 1) * bucketMs(settings);
  return buckets.filter((b) => b.start >= oldest && b.start <= now);
}

export function windowCounts(buckets: Bucket[], now: number, settings: BreakerSettings): { calls: number; failures: number } {
  let calls = 0;
  let failures = 0;
  for (const b of liveBuckets(buckets, now, settings)) {
    calls += b.calls;
    failures += b.failures;
  }
  return { calls, failures };
}

/** Whether a closed breaker should open: the failure rate over the window, or failures in a row. */
export function tripped(record: Pick<BreakerRecord, 'buckets' | 'consecutiveFailures'>, now: number, settings: BreakerSettings): boolean {
  if (record.consecutiveFailures >= settings.consecutiveFailures) return true;
  const { calls, failures } = windowCounts(record.buckets, now, settings);
  return calls >= settings.minCalls && failures / calls >= settings.failureRate;
}

/** The open period after `opens` consecutive opens: doubling from openMs, capped, jittered. */
export function openPeriod(opens: number, settings: BreakerSettings, random: () => number): number {
  const base = Math.min(settings.maxOpenMs, settings.openMs * 2 ** Math.max(0, opens - 1));
  return Math.round(base * (1 - OPEN_JITTER + 2 * OPEN_JITTER * random()));
}

/** Leases that have not expired. */
export function liveLeases(leases: ProbeLease[], now: number): ProbeLease[] {
  return leases.filter((l) => l.until > now);
}

// ── Transitions ──────────────────────────────────────────────────────────────────────────────

export function opened(record: BreakerRecord, now: number, period: number): BreakerRecord {
  const opens = record.consecutiveOpens + 1;
  return { ...record, state: 'open', generation: record.generation + 1, openUntil: now + period, consecutiveOpens: opens, consecutiveFailures: 0, leases: [] };
}

/** Opens for the period the next consecutive open earns (a trip, or a failed probe). */
export function open(record: BreakerRecord, now: number, settings: BreakerSettings, random: () => number): BreakerRecord {
  return opened(record, now, openPeriod(record.consecutiveOpens + 1, settings, random));
}

export function halfOpened(record: BreakerRecord): BreakerRecord {
  return { ...record, state: 'half-open', generation: record.generation + 1, leases: [] };
}

export function closed(record: BreakerRecord): BreakerRecord {
  return { ...record, state: 'closed', generation: record.generation + 1, openUntil: 0, consecutiveOpens: 0, consecutiveFailures: 0, buckets: [], leases: [] };
}

export interface Admitted {
  admission: Admission;
  /** The record after admission (a lazy open → half-open move, a new lease), or the same object. */
  record: BreakerRecord;
}

/**
 * Decides whether one attempt may go to the target. An open breaker whose period has passed moves
 * to half-open here, lazily, and a half-open one hands out at most `probes` leases. `lease` may be
 * a function: its random id is then drawn only when a probe is admitted, not on every request.
 */
export function admit(record: BreakerRecord, settings: BreakerSettings, now: number, lease: ProbeLease | (() => ProbeLease)): Admitted {
  const skip = (reason: Extract<Admission, { decision: 'skip' }>['reason'], until: number): Admitted => ({
    admission: { decision: 'skip', generation: record.generation, reason, until },
    record,
  });
  if (record.forced === 'open') return skip('forced-open', FOREVER);
  if (record.forced === 'closed') return { admission: { decision: 'allow', generation: record.generation }, record };
  if (record.cooldownUntil > now) return skip('cooldown', record.cooldownUntil);
  if (record.state === 'closed') {
    const failing = record.consecutiveFailures > 0;
    return { admission: { decision: 'allow', generation: record.generation, ...(failing ? { failing } : {}) }, record };
  }
  if (record.state === 'open') {
    if (now < record.openUntil) return skip('open', record.openUntil);
    record = halfOpened(record);
  }
  const leases = liveLeases(record.leases, now);
  if (leases.length >= settings.probes) {
    return { admission: { decision: 'skip', generation: record.generation, reason: 'half-open-busy', until: Math.min(...leases.map((l) => l.until)) }, record };
  }
  const taken = typeof lease === 'function' ? lease() : lease;
  return {
    admission: { decision: 'probe', generation: record.generation, leaseId: taken.id, leaseUntil: taken.until },
    record: { ...record, leases: [...leases, taken] },
  };
}

/**
 * Counts the outcome of an admitted attempt. An outcome admitted under another generation changes
 * nothing (the breaker has moved on since); neither does one admitted as a skip (a panic attempt),
 * except a cooldown or a long open, which are facts about the target whatever its state.
 */
export function report(
  record: BreakerRecord,
  settings: BreakerSettings,
  admission: Admission,
  outcome: BreakerOutcome,
  now: number,
  random: () => number,
): BreakerRecord {
  if (outcome.kind === 'cooldown') {
    const released = admission.decision === 'probe' && admission.generation === record.generation ? release(record, admission.leaseId) : record;
    return outcome.until > released.cooldownUntil ? { ...released, cooldownUntil: outcome.until } : released;
  }
  if (record.forced !== 'auto') return record;
  if (outcome.kind === 'long-open') {
    if (record.state === 'open' && record.openUntil >= now + settings.longOpenMs) return record;
    return opened(record, now, settings.longOpenMs);
  }
  if (admission.generation !== record.generation || admission.decision === 'skip') return record;

  if (admission.decision === 'probe') {
    if (outcome.kind === 'neutral') return release(record, admission.leaseId);
    return outcome.kind === 'success' ? closed(record) : open(record, now, settings, random);
  }
  if (!countable(record, admission, outcome)) return record;

  const failed = outcome.kind === 'failure';
  const counted = { ...record, buckets: addToWindow(record.buckets, now, settings, 1, failed ? 1 : 0), consecutiveFailures: failed ? record.consecutiveFailures + 1 : 0 };
  return failed && tripped(counted, now, settings) ? open(counted, now, settings, random) : counted;
}

/**
 * Whether an outcome counts in the closed breaker's window and run: a success or failure of an
 * attempt allowed under the generation in force, while nothing forces the breaker. The one guard
 * every store shares: the in-memory store applies it, the shared store aggregates what it passes.
 */
export function countable(record: BreakerRecord, admission: Admission, outcome: BreakerOutcome): outcome is { kind: 'success' } | { kind: 'failure'; slow?: boolean } {
  return (
    record.forced === 'auto' &&
    record.state === 'closed' &&
    admission.decision === 'allow' &&
    admission.generation === record.generation &&
    (outcome.kind === 'success' || outcome.kind === 'failure')
  );
}

/** The live window with `calls` and `failures` added to the bucket of `now`. */
export function addToWindow(buckets: Bucket[], now: number, settings: BreakerSettings, calls: number, failures: number, start = bucketStart(now, settings)): Bucket[] {
  const live = liveBuckets(buckets, now, settings);
  const current = live.find((b) => b.start === start);
  return current ? live.map((b) => (b === current ? { ...b, calls: b.calls + calls, failures: b.failures + failures } : b)) : [...live, { start, calls, failures }];
}

function release(record: BreakerRecord, leaseId: string): BreakerRecord {
  return { ...record, leases: record.leases.filter((l) => l.id !== leaseId) };
}

/**
 * The health checker's verdict. Failing probes open a closed breaker; passing probes move an open
 * one to half-open, never to closed: a one-token probe is not real traffic.
 */
export function observeProbe(record: BreakerRecord, settings: BreakerSettings, healthy: boolean, now: number, random: () => number): BreakerRecord {
  if (record.forced !== 'auto') return record;
  if (!healthy) return record.state === 'closed' ? open(record, now, settings, random) : record;
  return record.state === 'open' ? halfOpened(record) : record;
}

/** An operator's forced state: wins over everything until set back to `auto`. */
export function force(record: BreakerRecord, mode: ForcedMode): BreakerRecord {
  if (record.forced === mode) return record;
  return { ...record, forced: mode, generation: record.generation + 1, leases: [] };
}

export function snapshot(target: TargetKey, record: BreakerRecord, settings: BreakerSettings | undefined, now: number): BreakerSnapshot {
  const counts = settings ? windowCounts(record.buckets, now, settings) : { calls: 0, failures: 0 };
  return {
    target,
    state: record.state,
    generation: record.generation,
    forced: record.forced,
    openUntil: record.openUntil,
    cooldownUntil: record.cooldownUntil,
    consecutiveOpens: record.consecutiveOpens,
    consecutiveFailures: record.consecutiveFailures,
    windowCalls: counts.calls,
    windowFailures: counts.failures,
    probes: liveLeases(record.leases, now).length,
  };
}
