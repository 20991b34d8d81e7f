import { randomBytes } from 'node:crypto';
import { METRICS } from '../../config/metric-names.ts';
import type { Clock, Telemetry } from '../ports.ts';

/** One shared spend counter: a scope (`key:NAME`, `alias:NAME`) in one period (`day#…`, `month#…`). */
export interface SpendCounter {
  scope: string;
  period: string;
  /** When the store may forget it (ms since epoch): well after its period ended. */
  expiresAt: number;
}

/**
 * One write of one instance's spend to one counter. `writer` names the instance and `seq` grows
 * with every batch it writes (a time in ms, kept strictly increasing), so a batch sent again after
 * an ambiguous failure (a timeout, a cut connection, a 5xx: the store may have applied it) is
 * refused by the store as already applied instead of being added twice.
 */
export interface SpendBatch {
  writer: string;
  seq: number;
  amount: number;
}

/**
 * Where spend is shared between instances. Amounts are integers (nano-USD), so every sum is exact.
 * `add` is one atomic, conditional increment and answers the new total: it adds `batch.amount`
 * unless this writer's batch `seq` (or a later one) was applied already, and then answers the total
 * without adding. It throws SpendWriteRefusedError when the store definitely did not apply the
 * batch (a 4xx on the only attempt); any other error leaves the outcome unknown.
 */
export interface SpendStore {
  add(counter: SpendCounter, batch: SpendBatch): Promise<number>;
  read(counters: SpendCounter[]): Promise<Map<string, number>>;
}

/** The store refused a batch and applied nothing of it: its amount may be written again as new. */
export class SpendWriteRefusedError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'SpendWriteRefusedError';
  }
}

/**
 * How long a batch of unknown outcome is sent again with its `seq` before it is given up (and the
 * store may forget a writer's `seq` after twice as long). An instance frozen that long with such a
 * batch loses it rather than risking counting it twice: an overcount would block callers early.
 */
export const SPEND_RETRY_HORIZON_MS = 60 * 60_000;

export function counterId(counter: Pick<SpendCounter, 'scope' | 'period'>): string {
  return `${counter.scope}|${counter.period}`;
}

export interface SpendLedgerOptions {
  store: SpendStore;
  clock: Clock;
  telemetry?: Telemetry;
  /** How old the instance's view of a shared total may get before a background read (default 5 s). */
  refreshMs?: number;
  /** How long spend is aggregated before one write per counter (default 1 s). */
  flushMs?: number;
}

interface Entry {
  counter: SpendCounter;
  /** The shared total as last read or written. */
  shared: number;
  readAt: number;
  /** Recorded here, not yet in a batch. */
  pending: number;
  /** The batch being written, or whose outcome is unknown: sent again as it is, never merged. */
  batch?: SpendBatch;
}

/**
 * Spend per instance, shared through a SpendStore the way the breakers share their counts: a request
 * reads the instance's view (the last known shared total plus what this instance has not written
 * yet) and never waits for the store; spend is aggregated per counter and written with one atomic
 * add per counter per flush, beside the traffic; views are refreshed in the background, one read
 * at a time. A write that fails is sent again at the next flush as the same batch (same `seq`, same
 * amount; newer spend waits for the batch after it), so the store applies it exactly once whether
 * or not the failed try reached it; a batch the store definitely refused rejoins the pending spend.
 * Nothing is lost while the instance lives; the instance keeps deciding on its own view meanwhile.
 */
export class SpendLedger {
  private readonly entries = new Map<string, Entry>();
  private readonly store: SpendStore;
  private readonly clock: Clock;
  private readonly telemetry: Telemetry | undefined;
  private readonly refreshMs: number;
  private readonly flushMs: number;
  private refreshing: Promise<void> | undefined;
  private followUp: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFlushAt = -Infinity;
  /** This instance as a writer of the shared counters (11 characters: the item keeps one per writer). */
  private readonly writer = randomBytes(8).toString('base64url');
  private lastSeq = 0;

  constructor(options: SpendLedgerOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.telemetry = options.telemetry;
    this.refreshMs = options.refreshMs ?? 5_000;
    this.flushMs = options.flushMs ?? 1_000;
  }

  /** The spend this instance knows of: synchronous, from memory; starts a refresh when stale. */
  spent(counter: SpendCounter): number {
    const entry = this.entry(counter);
    if (this.clock.now() - entry.readAt >= this.refreshMs) this.refresh();
    return entry.shared + entry.pending + (entry.batch?.amount ?? 0);
  }

  /** Adds spend; written to the store within `flushMs` (or at the next `flush`). */
  record(counter: SpendCounter, amount: number): void {
    if (amount <= 0) return;
    this.entry(counter).pending += amount;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushMs);
      this.timer.unref?.();
    }
  }

  /**
   * On Lambda, where timers do not run between invocations: writes the pending spend when the last
   * write is at least `flushMs` old, so a busy instance still writes about once per `flushMs` per
   * counter. A reclaimed instance loses at most that much unwritten spend.
   */
  async flushIfDue(boundMs: number): Promise<void> {
    if (this.clock.now() - this.lastFlushAt < this.flushMs) return;
    if (![...this.entries.values()].some((e) => e.pending > 0 || e.batch)) return;
    await this.flush(boundMs);
  }

  /** Writes every pending amount (one conditional add per counter); waits at most `boundMs`. */
  async flush(boundMs = Infinity): Promise<void> {
    this.lastFlushAt = this.clock.now();
    const run = (async () => {
      await this.flushing;
      const writes: Promise<void>[] = [];
      for (const entry of this.entries.values()) {
        if (!entry.batch) {
          if (entry.pending === 0) continue;
          entry.batch = { writer: this.writer, seq: this.nextSeq(), amount: entry.pending };
          entry.pending = 0;
        }
        writes.push(this.write(entry, entry.batch));
      }
      await Promise.all(writes);
    })();
    this.flushing = run;
    if (boundMs === Infinity) return run;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([run, new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
  }

  private async write(entry: Entry, batch: SpendBatch): Promise<void> {
    try {
      const total = await this.store.add(entry.counter, batch);
      entry.batch = undefined;
      // The total includes this batch (now out of the view's sum); a refresh may have seen more.
      entry.shared = Math.max(entry.shared, total);
      entry.readAt = this.clock.now();
    } catch (error) {
      this.degraded('spend write failed', error);
      if (error instanceof SpendWriteRefusedError) {
        // Nothing of it was applied: the amount goes out again in a new batch.
        entry.batch = undefined;
        entry.pending += batch.amount;
      } else if (this.clock.now() - batch.seq >= SPEND_RETRY_HORIZON_MS) {
        // The store may have forgotten the seq by the next try: better lost than counted twice.
        entry.batch = undefined;
        this.telemetry?.log('warn', 'spend batch of unknown outcome given up', { amount: batch.amount });
      }
      // Otherwise the same batch is sent again at the next flush.
    }
  }

  /** Strictly increasing per writer, and a time: the store forgets writers long silent. */
  private nextSeq(): number {
    this.lastSeq = Math.max(this.clock.now(), this.lastSeq + 1);
    return this.lastSeq;
  }

  /** Reads the shared totals of every known counter now (awaitable: the CLI and tests). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      // A counter first asked about while a read is in flight is not in that read: one more after it.
      if (![...this.entries.values()].some((e) => e.readAt === -Infinity)) return this.refreshing;
      return (this.followUp ??= this.refreshing.then(() => {
        this.followUp = undefined;
        return this.refresh();
      }));
    }
    const entries = [...this.entries.values()];
    const started = this.clock.now();
    for (const entry of entries) entry.readAt = started;
    this.refreshing = this.store
      .read(entries.map((e) => e.counter))
      .then(
        (totals) => {
          for (const entry of entries) {
            const total = totals.get(counterId(entry.counter)) ?? 0;
            // What is being written may or may not be in the total yet; never step backwards.
            if (total > entry.shared) entry.shared = total;
          }
        },
        (error: unknown) => this.degraded('spend read failed', error),
      )
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private entry(counter: SpendCounter): Entry {
    const id = counterId(counter);
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { counter, shared: 0, readAt: -Infinity, pending: 0 };
      this.entries.set(id, entry);
    }
    return entry;
  }

  private degraded(message: string, error: unknown): void {
    this.telemetry?.metric(METRICS.spendStoreDegraded, 1);
    this.telemetry?.log('warn', message, { error: (error as Error)?.message ?? String(error) });
  }
}
