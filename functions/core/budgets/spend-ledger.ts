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
 * Where spend is shared between instances. Amounts are integers (nano-USD), so every sum is exact.
 * `add` is one atomic increment (DynamoDB `ADD`) and answers the new total.
 */
export interface SpendStore {
  add(counter: SpendCounter, amount: number): Promise<number>;
  read(counters: SpendCounter[]): Promise<Map<string, number>>;
}

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
  /** Recorded here, not yet written. */
  pending: number;
  /** Being written right now. */
  writing: number;
}

/**
 * Spend per instance, shared through a SpendStore the way the breakers share their counts: a request
 * reads the instance's view (the last known shared total plus what this instance has not written
 * yet) and never waits for the store; spend is aggregated per counter and written with one atomic
 * add per counter per flush, beside the traffic; views are refreshed in the background, one read
 * at a time. A store that fails leaves the amounts pending for the next flush, so nothing is lost
 * while the instance lives; the instance keeps deciding on its own view meanwhile.
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
    return entry.shared + entry.pending + entry.writing;
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
    if (![...this.entries.values()].some((e) => e.pending > 0)) return;
    await this.flush(boundMs);
  }

  /** Writes every pending amount (one atomic add per counter); waits at most `boundMs`. */
  async flush(boundMs = Infinity): Promise<void> {
    this.lastFlushAt = this.clock.now();
    const run = (async () => {
      await this.flushing;
      const writes: Promise<void>[] = [];
      for (const entry of this.entries.values()) {
        if (entry.pending === 0) continue;
        const amount = entry.pending;
        entry.pending = 0;
        entry.writing += amount;
        writes.push(
          this.store.add(entry.counter, amount).then(
            (total) => {
              entry.writing -= amount;
              // The total includes this amount (now out of `writing`); a refresh may have seen more.
              entry.shared = Math.max(entry.shared, total);
              entry.readAt = this.clock.now();
            },
            (error: unknown) => {
              entry.writing -= amount;
              entry.pending += amount;
              this.degraded('spend write failed', error);
            },
          ),
        );
      }
      await Promise.all(writes);
    })();
    this.flushing = run;
    if (boundMs === Infinity) return run;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([run, new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
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
      entry = { counter, shared: 0, readAt: -Infinity, pending: 0, writing: 0 };
      this.entries.set(id, entry);
    }
    return entry;
  }

  private degraded(message: string, error: unknown): void {
    this.telemetry?.metric(METRICS.spendStoreDegraded, 1);
    this.telemetry?.log('warn', message, { error: (error as Error)?.message ?? String(error) });
  }
}
