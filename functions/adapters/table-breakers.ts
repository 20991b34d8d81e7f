import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BreakerSettings } from '../config/schema.ts';
import * as machine from '../core/breaker/state-machine.ts';
import { systemClock, type BreakerSnapshot, type Clock, type TargetKey } from '../core/ports.ts';
import type { ClientSource } from './aws-sdk-lazy.ts';
import { DynamoBreakerPersistence } from './dynamo-breaker-store.ts';

export interface TableBreakersOptions {
  client: ClientSource<DynamoDBClient>;
  table: string;
  clock?: Clock;
  /** The configured targets in order, with their breaker settings (for the window counts). */
  configured: () => { target: TargetKey; settings?: BreakerSettings }[];
  /**
   * A read is reused this long (default 500 ms): a burst of snapshots reads the table once. The page
   * asks every second, so a forced or opened breaker shows within about a second.
   */
  refreshMs?: number;
  /** The table is scanned for targets at most this often (default 60 s); in between, known targets are read by key. */
  discoverMs?: number;
  /** Bound of one DynamoDB call (default 2 s: an operator's read, not a request's). */
  timeoutMs?: number;
}

/**
 * The breakers as the shared table holds them, for the deployed status page: every target the table
 * has a breaker for (the Scan `npm run breakers -- list --table` makes, DynamoBreakerPersistence.targets)
 * plus the configured ones, each read by key. Unlike the instance's own breaker store it is never on
 * a request's path, adopts nothing into the instance's views, and fails loudly: a table it cannot read
 * is an error on the page, not a row of "closed".
 */
export class TableBreakers {
  private readonly persistence: DynamoBreakerPersistence;
  private readonly clock: Clock;
  private readonly options: TableBreakersOptions;
  private discovered: TargetKey[] = [];
  private discoveredAt = Number.NEGATIVE_INFINITY;
  private cached: { at: number; list: Promise<BreakerSnapshot[]> } | undefined;

  constructor(options: TableBreakersOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.persistence = new DynamoBreakerPersistence(options.client, options.table, options.timeoutMs ?? 2_000);
  }

  /** Every breaker: configured targets first (in order), then the table's others, sorted. Rejects when the table cannot be read. */
  list(): Promise<BreakerSnapshot[]> {
    const now = this.clock.now();
    if (this.cached && now - this.cached.at < (this.options.refreshMs ?? 500)) return this.cached.list;
    const list = this.read(now);
    this.cached = { at: now, list };
    // A failed read is not served from memory: the next snapshot asks again.
    list.catch(() => {
      if (this.cached?.list === list) this.cached = undefined;
    });
    return list;
  }

  private async read(now: number): Promise<BreakerSnapshot[]> {
    if (now - this.discoveredAt >= (this.options.discoverMs ?? 60_000)) {
      this.discovered = (await this.persistence.targets()).sort();
      this.discoveredAt = now;
    }
    const configured = this.options.configured();
    const settings = new Map(configured.map((c) => [c.target, c.settings]));
    const targets = [...new Set([...configured.map((c) => c.target), ...this.discovered])];
    const records = await Promise.all(targets.map((target) => this.persistence.read(target)));
    return targets.map((target, i) => machine.snapshot(target, records[i]!, settings.get(target), now));
  }
}
