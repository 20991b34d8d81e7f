import { randomBytes, randomUUID } from 'node:crypto';
import { METRICS } from '../../config/metric-names.ts';
import type { BreakerSettings } from '../../config/schema.ts';
import type { Admission, BreakerOutcome, BreakerSnapshot, BreakerStore, Clock, ForcedMode, TargetKey, Telemetry } from '../ports.ts';
import { BREAKER_RETRY_HORIZON_MS, type BreakerPersistence, type CountBatch, type Written } from './persistence.ts';
import * as machine from './state-machine.ts';

export interface SharedBreakerOptions {
  persistence: BreakerPersistence;
  clock: Clock;
  random?: () => number;
  telemetry?: Telemetry;
  /** The configured targets, for `list()` (a store may not be able to enumerate its records). */
  targets?: () => TargetKey[];
  /** How long this instance trusts its view before refreshing it in the background (default 1 s, ±20 %). */
  refreshMs?: number;
  /** Outcomes that matter (a failure, a success ending a run) are written at most this late (default 250 ms). */
  coalesceMs?: number;
  /** Successes alone are written at most this often per target (default 10 s). */
  flushEveryMs?: number;
  /** After a failed store call, decide on the local view alone for this long (default 5 s). */
  degradedForMs?: number;
}

/** A store could not be reached for a call whose caller must know (an operator's forced state). */
export class BreakerStoreUnavailableError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'BreakerStoreUnavailableError';
  }
}

/** Outcomes counted by this instance and not yet written, all under one generation. */
interface Pending {
  generation: number;
  /** Bucket start → counts. */
  buckets: Map<number, { calls: number; failures: number }>;
  /** Failures since the last success of the batch (all of them when there was none). */
  runFailures: number;
  /** A success came in the batch: the stored run restarts from `runFailures`. */
  runReset: boolean;
  /** Its number once sent (CountBatch.seq): a batch sent again keeps it, so it is applied once. */
  seq?: number;
}

interface Entry {
  /** What admission decides from: the stored record with this instance's pending counts on top. */
  view: machine.BreakerRecord;
  /** The record as the store last answered; `undefined` until the first answer. */
  stored?: machine.BreakerRecord;
  settings?: BreakerSettings;
  refreshAt: number;
  refreshing?: Promise<void>;
  pending?: Pending;
  /**
   * A batch whose write failed with an unknown outcome (the store may have applied it): sent again
   * as it is before anything newer, never merged with newer counts. The view counts it until it
   * settles (on this instance only, possibly twice meanwhile; the store decides on exact counts).
   */
  unsettled?: Pending;
  flushing?: Promise<void>;
  timer?: ReturnType<typeof setTimeout>;
  lastFlush: number;
  /** Writes in flight: a read answered meanwhile may predate them and is not adopted. */
  writes: number;
  /** The last probe lease claim of this instance's requests, in flight or done. */
  claiming?: Promise<void>;
  /** A transition this instance is writing. */
  transitioning?: Promise<void>;
}

/** Jitter of the refresh period, so that a fleet's reads do not fall in step. */
const REFRESH_JITTER = 0.2;
/** Tries of one write whose condition failed on a record that moved in a way the retry can absorb. */
const WRITE_TRIES = 3;

/**
 * The breakers shared by a fleet through a store (RELIABILITY.md §2), store-agnostic: the store
 * behind `persistence` only keeps records and checks conditions. This layer keeps, per target:
 *
 * - a **view**: the stored record plus this instance's unwritten counts. `admit` decides from it
 *   alone; a view older than `refreshMs` is re-read in the background (one read at a time,
 *   jittered). The one awaited store call is the conditional write that takes a half-open lease.
 * - **aggregated outcomes**: `report` applies the outcome to the view at once (the same state
 *   machine as the in-memory store) and adds it to a batch written later as one atomic ADD of n,
 *   conditional on the generation: within `coalesceMs` for failures, at once when the view trips,
 *   every `flushEveryMs` for successes alone. A failed write sends the same batch (same writer
 *   and seq) again at the next flush, so the store applies it once even when the failed try had
 *   reached it: a breaker never counts a failure twice.
 * - **transitions** decided by the view (a trip, a probe's verdict, a long open) written
 *   conditionally on the generation they were decided under; a loser adopts the winner's record.
 * - **degradation**: when the store fails or times out, the view goes on deciding (it is a local
 *   breaker) for `degradedForMs`, a metric says so, and nothing throws.
 *
 * `flush()` writes what is pending within a bound: the Lambda handler calls it after the response.
 */
export class SharedBreakerStore implements BreakerStore {
  private readonly persistence: BreakerPersistence;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly telemetry?: Telemetry;
  private readonly targets?: () => TargetKey[];
  private readonly refreshMs: number;
  private readonly coalesceMs: number;
  private readonly flushEveryMs: number;
  private readonly degradedForMs: number;
  private readonly entries = new Map<TargetKey, Entry>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private degradedUntil = 0;
  /** This instance as a writer of the records (11 characters: a record keeps one seq per writer). */
  private readonly writer = randomBytes(8).toString('base64url');
  private lastSeq = 0;

  constructor(options: SharedBreakerOptions) {
    this.persistence = options.persistence;
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.telemetry = options.telemetry;
    this.targets = options.targets;
    this.refreshMs = options.refreshMs ?? 1_000;
    this.coalesceMs = options.coalesceMs ?? 250;
    this.flushEveryMs = options.flushEveryMs ?? 10_000;
    this.degradedForMs = options.degradedForMs ?? 5_000;
  }

  async admit(target: TargetKey, settings: BreakerSettings, leaseMs: number): Promise<Admission> {
    const entry = this.entry(target, settings);
    const now = this.clock.now();
    this.refreshIfDue(target, entry, now);
    const until = now + leaseMs;
    const decided = machine.admit(entry.view, settings, now, () => ({ id: leaseId(freeSlot(entry.view, settings, now)), until }));
    if (decided.admission.decision !== 'probe' || this.degraded(now)) {
      entry.view = decided.record;
      return decided.admission;
    }
    // This instance's own requests take turns, each deciding on the leases the one before took,
    // and after this instance's own writes to the record (a trip being written, say).
    const claim = Promise.all([entry.claiming, entry.flushing, entry.transitioning]).then(() => this.takeLease(target, entry, settings, this.clock.now(), until));
    entry.claiming = claim.then(
      () => undefined,
      () => undefined,
    );
    return claim;
  }

  async report(target: TargetKey, settings: BreakerSettings, admission: Admission, outcome: BreakerOutcome): Promise<void> {
    const entry = this.entry(target, settings);
    const now = this.clock.now();
    const before = entry.view;
    const after = machine.report(before, settings, admission, outcome, now, this.random);
    entry.view = after;
    if (machine.countable(before, admission, outcome)) {
      this.count(entry, admission.generation, machine.bucketStart(now, settings), outcome.kind === 'failure');
      // The view tripped: the fleet's counts decide, at once (flush() opens if they agree).
      if (after.generation !== before.generation) this.background(this.flushTarget(target, entry));
      else this.scheduleFlush(target, entry);
      return;
    }
    if (outcome.kind === 'cooldown') {
      if (after.cooldownUntil > before.cooldownUntil) this.background(this.io(() => this.persistence.cooldown(target, outcome.until)));
      if (admission.decision === 'probe') this.background(this.io(() => this.persistence.releaseLease(target, slotOf(admission.leaseId), admission.leaseId)));
      return;
    }
    if (after.generation !== before.generation) {
      this.background(this.transition(target, entry, before.generation, after));
      return;
    }
    if (admission.decision === 'probe' && outcome.kind === 'neutral' && admission.generation === before.generation) {
      this.background(this.io(() => this.persistence.releaseLease(target, slotOf(admission.leaseId), admission.leaseId)));
    }
  }

  /** The health checker's verdict: it is not on a request's path, so it reads and writes through. */
  async observeProbe(target: TargetKey, settings: BreakerSettings, healthy: boolean): Promise<void> {
    const entry = this.entry(target, settings);
    const stored = await this.io(() => this.persistence.read(target));
    if (stored) this.adopt(target, entry, stored);
    const now = this.clock.now();
    const next = machine.observeProbe(entry.view, settings, healthy, now, this.random);
    if (next === entry.view) return;
    if (!stored || this.degraded(now)) {
      entry.view = next;
      return;
    }
    await this.transition(target, entry, stored.generation, next);
  }

  async list(): Promise<BreakerSnapshot[]> {
    await this.flush(1_000, true);
    const targets = [...new Set([...(this.targets?.() ?? []), ...this.entries.keys()])].sort();
    const now = this.clock.now();
    return Promise.all(
      targets.map(async (target) => {
        const entry = this.entry(target);
        const stored = this.degraded(now) ? undefined : await this.io(() => this.persistence.read(target));
        if (stored) this.adopt(target, entry, stored);
        return machine.snapshot(target, entry.view, entry.settings, now);
      }),
    );
  }

  /**
   * Every breaker the store holds plus the configured targets (`npm run breakers -- list`): a
   * target in the store but in no config is listed too. Reads the whole store: for operators only.
   */
  async listStored(): Promise<BreakerSnapshot[]> {
    for (const target of (await this.persistence.targets?.()) ?? []) this.entry(target);
    return this.list();
  }

  /**
   * An operator's forced state, seen by every instance within its refresh period. Applied to this
   * instance's view in any case; throws BreakerStoreUnavailableError when the store did not take it,
   * because the operator must know the fleet did not.
   */
  async force(target: TargetKey, mode: ForcedMode): Promise<void> {
    const entry = this.entry(target);
    entry.view = machine.force(entry.view, mode);
    try {
      this.adopt(target, entry, await this.persistence.force(target, mode));
    } catch (error) {
      throw new BreakerStoreUnavailableError(`the breaker store did not take the forced state of ${target}`, { cause: error });
    }
  }

  /** Starts reading the views of these targets, so the first requests decide on the fleet's state. */
  prefetch(targets: TargetKey[]): void {
    const now = this.clock.now();
    for (const target of targets) this.refreshIfDue(target, this.entry(target), now);
  }

  /**
   * Writes the batches that are due (all of them with `all`) and awaits every write in flight, for
   * at most `timeoutMs`. What is not written by then stays pending for the next flush; if the
   * instance dies with it, the breaker only counts a little less.
   */
  async flush(timeoutMs = 1_000, all = false): Promise<void> {
    const now = this.clock.now();
    for (const [target, entry] of this.entries) {
      if ((entry.pending || entry.unsettled) && (all || this.due(entry, now))) this.background(this.flushTarget(target, entry));
    }
    if (this.inFlight.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  // ── The view ───────────────────────────────────────────────────────────────────────────────

  private entry(target: TargetKey, settings?: BreakerSettings): Entry {
    let entry = this.entries.get(target);
    if (!entry) {
      entry = { view: machine.initialRecord(), refreshAt: 0, lastFlush: this.clock.now(), writes: 0 };
      this.entries.set(target, entry);
    }
    if (settings) entry.settings = settings;
    return entry;
  }

  /** One background read per target at a time, once the view is older than its (jittered) period. */
  private refreshIfDue(target: TargetKey, entry: Entry, now: number): void {
    if (entry.refreshing || now < entry.refreshAt || entry.writes > 0 || this.degraded(now)) return;
    entry.refreshing = (async () => {
      const stored = await this.io(() => this.persistence.read(target));
      if (stored && entry.writes === 0) this.adopt(target, entry, stored);
    })().finally(() => (entry.refreshing = undefined));
    this.background(entry.refreshing);
  }

  /**
   * Takes a record the store answered with as the new base of the view. Generations only grow, so
   * an older answer (a read that crossed a write) is ignored. Pending counts of another generation
   * are dropped: outcomes admitted under an older generation never count.
   */
  private adopt(target: TargetKey, entry: Entry, stored: machine.BreakerRecord): void {
    if (entry.stored && stored.generation < entry.stored.generation) return;
    entry.stored = stored;
    entry.refreshAt = this.clock.now() + this.refreshMs * (1 - REFRESH_JITTER + 2 * REFRESH_JITTER * this.random());
    if (entry.pending && entry.pending.generation !== stored.generation) entry.pending = undefined;
    if (entry.unsettled && entry.unsettled.generation !== stored.generation) entry.unsettled = undefined;
    entry.view = withPending(withPending(stored, entry.unsettled, entry.settings, this.clock.now()), entry.pending, entry.settings, this.clock.now());
    if ((entry.pending || entry.unsettled) && entry.settings && entry.view.state === 'closed' && machine.tripped(entry.view, this.clock.now(), entry.settings)) {
      this.background(this.flushTarget(target, entry));
    }
  }

  // ── Aggregated outcomes ────────────────────────────────────────────────────────────────────

  private count(entry: Entry, generation: number, start: number, failed: boolean): void {
    if (entry.pending?.generation !== generation) entry.pending = { generation, buckets: new Map(), runFailures: 0, runReset: false };
    const pending = entry.pending;
    const bucket = pending.buckets.get(start) ?? { calls: 0, failures: 0 };
    bucket.calls++;
    if (failed) bucket.failures++;
    pending.buckets.set(start, bucket);
    if (failed) pending.runFailures++;
    else {
      pending.runFailures = 0;
      pending.runReset = true;
    }
  }

  /** Failures, and a success that ends a run, are worth writing soon; successes alone can wait. */
  private due(entry: Entry, now: number): boolean {
    if (entry.unsettled) return true;
    const pending = entry.pending;
    if (!pending) return false;
    if (pending.runFailures > 0 || [...pending.buckets.values()].some((b) => b.failures > 0)) return true;
    if (pending.runReset && (entry.stored?.consecutiveFailures ?? 0) > 0) return true;
    return now - entry.lastFlush >= this.flushEveryMs;
  }

  private scheduleFlush(target: TargetKey, entry: Entry): void {
    if (entry.timer || entry.flushing) return;
    const now = this.clock.now();
    const delay = Math.max(this.due(entry, now) ? this.coalesceMs : this.flushEveryMs - (now - entry.lastFlush), this.degradedUntil - now, 0);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (entry.pending || entry.unsettled) this.background(this.flushTarget(target, entry));
    }, delay);
    // A pending write never keeps a process alive; the Lambda handler flushes on its own.
    (entry.timer as { unref?: () => void }).unref?.();
  }

  /** Writes the unsettled batch if any, the pending one, then whatever came meanwhile: one writer per target. */
  private flushTarget(target: TargetKey, entry: Entry): Promise<void> {
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    entry.flushing ??= (async () => {
      try {
        while ((entry.unsettled || entry.pending) && !this.degraded(this.clock.now())) {
          const batch = (entry.unsettled ?? entry.pending)!;
          if (batch === entry.pending) {
            entry.pending = undefined;
            batch.seq = this.nextSeq();
          }
          entry.unsettled = undefined;
          entry.lastFlush = this.clock.now();
          if (!(await this.writeBatch(target, entry, batch))) {
            // Unknown outcome: the same batch goes again, unless the store may have forgotten its seq.
            if (this.clock.now() - batch.seq! < BREAKER_RETRY_HORIZON_MS) entry.unsettled = batch;
            break;
          }
        }
      } finally {
        entry.flushing = undefined;
      }
      if (entry.pending || entry.unsettled) this.scheduleFlush(target, entry);
    })();
    return entry.flushing;
  }

  /**
   * One atomic ADD of the batch under its generation; false when the store could not answer (the
   * batch is kept). On the answer — the fleet's counts with ours — the breaker opens if they trip it.
   */
  private async writeBatch(target: TargetKey, entry: Entry, batch: Pending): Promise<boolean> {
    const settings = entry.settings!;
    for (let tries = 0; tries < WRITE_TRIES; tries++) {
      const now = this.clock.now();
      const written = await this.write(entry, () => this.persistence.add(target, toCountBatch(this.writer, batch, entry.stored, settings)));
      if (!written) return false;
      const stored = written.record;
      if (written.ok) {
        // Tripped: the transition's answer becomes the view (until then this instance's own view,
        // open since it tripped, keeps deciding). Otherwise the fleet's counts are the view.
        // As in the state machine, only a failure trips: the batch must end with one.
        if (batch.runFailures > 0 && stored.state === 'closed' && stored.forced === 'auto' && machine.tripped(stored, now, settings)) {
          await this.transition(target, entry, stored.generation, machine.open(stored, now, settings, this.random));
        } else this.adopt(target, entry, stored);
        return true;
      }
      this.adopt(target, entry, stored);
      // The generation moved on (the batch no longer counts), or a window slot did (try again on it).
      if (stored.generation !== batch.generation) return true;
    }
    return true;
  }

  // ── Transitions and leases ─────────────────────────────────────────────────────────────────

  /** Writes a transition decided under generation `from`; whoever wrote first wins, the rest adopt. */
  private transition(target: TargetKey, entry: Entry, from: number, next: machine.BreakerRecord): Promise<void> {
    const work = this.writeTransition(target, entry, from, next);
    entry.transitioning = work;
    void work.finally(() => {
      if (entry.transitioning === work) entry.transitioning = undefined;
    });
    return work;
  }

  private async writeTransition(target: TargetKey, entry: Entry, from: number, next: machine.BreakerRecord): Promise<void> {
    const written = await this.write(entry, () => this.persistence.transition(target, from, next));
    if (!written) return;
    const before = entry.stored?.state;
    this.adopt(target, entry, written.record);
    if (written.ok && before !== written.record.state) this.telemetry?.metric(METRICS.breakerTransitions, 1, { Target: target });
  }

  /**
   * The one store call a request waits for: a probe lease, exclusive across the fleet. An open
   * breaker that is due moves to half-open in the same conditional write. On a lost race the
   * winner's record comes back with the failure and the decision is made again on it.
   */
  private async takeLease(target: TargetKey, entry: Entry, settings: BreakerSettings, now: number, until: number): Promise<Admission> {
    for (let tries = 0; tries <= settings.probes + 1; tries++) {
      const view = entry.view;
      const slot = freeSlot(view, settings, now);
      const lease = { id: leaseId(slot), until };
      const decided = machine.admit(view, settings, now, lease);
      if (decided.admission.decision !== 'probe') return decided.admission;
      const halfOpen = view.state === 'open';
      const written = await this.write(entry, () => this.persistence.takeLease(target, { generation: view.generation, slot, lease, now, halfOpen }));
      if (!written) {
        // The store cannot answer: this instance probes on its own view.
        const local = machine.admit(entry.view, settings, now, lease);
        entry.view = local.record;
        return local.admission;
      }
      this.adopt(target, entry, written.record);
      if (written.ok) return { decision: 'probe', generation: written.record.generation, leaseId: lease.id, leaseUntil: until };
    }
    const last = machine.admit(entry.view, settings, now, { id: '', until });
    return last.admission.decision === 'probe'
      ? { decision: 'skip', generation: entry.view.generation, reason: 'half-open-busy', until: now + this.refreshMs }
      : last.admission;
  }

  // ── Store calls, degradation ───────────────────────────────────────────────────────────────

  private async write(entry: Entry, call: () => Promise<Written>): Promise<Written | undefined> {
    entry.writes++;
    try {
      return await this.io(call);
    } finally {
      entry.writes--;
    }
  }

  /** Runs a store call; any failure degrades to the local view for a while and yields undefined. */
  private async io<T>(call: () => Promise<T>): Promise<T | undefined> {
    if (this.degraded(this.clock.now())) return undefined;
    try {
      return await call();
    } catch (error) {
      this.degrade(error);
      return undefined;
    }
  }

  /** Strictly increasing per writer, and a time: a store forgets writers long silent. */
  private nextSeq(): number {
    this.lastSeq = Math.max(this.clock.now(), this.lastSeq + 1);
    return this.lastSeq;
  }

  private degraded(now: number): boolean {
    return now < this.degradedUntil;
  }

  private degrade(error: unknown): void {
    if (this.degraded(this.clock.now())) return;
    this.degradedUntil = this.clock.now() + this.degradedForMs;
    this.telemetry?.metric(METRICS.breakerStoreDegraded, 1);
    this.telemetry?.log('warn', 'breaker store unavailable: deciding on this instance’s view', { error: (error as Error)?.name ?? String(error) });
  }

  private background(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}

/** Lease ids carry their slot: `slot:uuid`. */
function leaseId(slot: number): string {
  return `${slot}:${randomUUID()}`;
}

function slotOf(id: string): number {
  return Number(id.split(':')[0]) || 0;
}

/** The first of `probes` lease slots no live lease holds. */
function freeSlot(record: machine.BreakerRecord, settings: BreakerSettings, now: number): number {
  const held = new Set(machine.liveLeases(record.leases, now).map((l) => slotOf(l.id)));
  for (let slot = 0; slot < settings.probes; slot++) if (!held.has(slot)) return slot;
  return 0;
}

/** Window buckets are kept in WINDOW_BUCKETS rotating slots of the record. */
function windowSlot(start: number, settings: BreakerSettings): number {
  return Math.floor(start / machine.bucketMs(settings)) % machine.WINDOW_BUCKETS;
}

function toCountBatch(writer: string, batch: Pending, stored: machine.BreakerRecord | undefined, settings: BreakerSettings): CountBatch {
  const slots: CountBatch['slots'] = [];
  for (const [start, counts] of batch.buckets) {
    const slot = windowSlot(start, settings);
    // A newer bucket of the batch in the same slot: these counts have left the window (and one
    // write cannot set a slot twice).
    if ([...batch.buckets.keys()].some((other) => other > start && windowSlot(other, settings) === slot)) continue;
    const held = stored?.buckets.find((b) => windowSlot(b.start, settings) === slot);
    // The slot already holds a newer bucket: these counts have left the window.
    if (held && held.start > start) continue;
    slots.push({ slot, start, ...counts, fresh: held?.start !== start });
  }
  return {
    writer,
    seq: batch.seq!,
    generation: batch.generation,
    slots,
    runFailures: batch.runFailures,
    runReset: batch.runReset,
  };
}

/** The stored record with this instance's unwritten counts on top (they count only while closed). */
function withPending(stored: machine.BreakerRecord, pending: Pending | undefined, settings: BreakerSettings | undefined, now: number): machine.BreakerRecord {
  if (!pending || !settings || stored.state !== 'closed' || stored.forced !== 'auto') return stored;
  let buckets = stored.buckets;
  for (const [start, counts] of pending.buckets) buckets = machine.addToWindow(buckets, now, settings, counts.calls, counts.failures, start);
  const consecutiveFailures = pending.runReset ? pending.runFailures : stored.consecutiveFailures + pending.runFailures;
  return { ...stored, buckets, consecutiveFailures };
}
