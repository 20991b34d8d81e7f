import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { METRICS } from '../config/metric-names.ts';
import type { BreakerSettings } from '../config/schema.ts';
import { MemoryBreakerStore } from '../core/breaker/memory-store.ts';
import * as machine from '../core/breaker/state-machine.ts';
import type { Admission, BreakerOutcome, BreakerSnapshot, BreakerStore, Clock, ForcedMode, TargetKey, Telemetry } from '../core/ports.ts';

export interface DynamoBreakerOptions {
  client: DynamoDBClient;
  table: string;
  clock: Clock;
  random?: () => number;
  telemetry?: Telemetry;
  /** The configured targets, for `list()` (the functions may not Scan the table). */
  targets?: () => TargetKey[];
  /** How long a read state is trusted by this instance (default 1 s). */
  cacheMs?: number;
  /** Bound of one DynamoDB call (default 150 ms). */
  timeoutMs?: number;
  /** Successes are counted locally and written at most this often per target (default 10 s). */
  flushEveryMs?: number;
  /** After a failed call, decide in memory for this long before trying the table again (default 5 s). */
  degradedForMs?: number;
}

/** The client the store wants: one retry at most, so a slow table costs little. */
export function createBreakerClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ maxAttempts: 2, ...config });
}

type Item = Record<string, AttributeValue>;
interface Cached {
  record: machine.BreakerRecord;
  readAt: number;
}

const STATE_SK = 'state';
const BUCKET_PREFIX = 'bucket#';
/** Buckets live a few windows in the table; TTL only cleans up, reads ignore old buckets by age. */
const BUCKET_TTL_WINDOWS = 3;

/**
 * The breakers shared by every instance, in the stack's DynamoDB table (RELIABILITY.md §2), with
 * the same decisions as the in-memory store (core/breaker/state-machine.ts):
 *
 * - one `state` item per target (state, generation, forced mode, open-until, cooldown, opens,
 *   failures in a row, probe lease slots) and one item per window bucket (calls, failures);
 * - counters grow with atomic ADD; every transition is a write conditional on the generation it
 *   was decided under, so exactly one instance wins, and a loser adopts the winner's item from
 *   `ReturnValuesOnConditionCheckFailure` without another read;
 * - half-open probes take one of `probes` lease slots with a conditional write: exclusive across
 *   the fleet, and a lease past its expiry can be taken again;
 * - reads are cached per instance for `cacheMs`; successes are counted locally and flushed per
 *   target at most every `flushEveryMs` (and on `flush()`), failures are written at once;
 * - any error or timeout: the in-memory fallback decides for `degradedForMs`, a metric says so,
 *   and nothing throws.
 */
export class DynamoBreakerStore implements BreakerStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly telemetry?: Telemetry;
  private readonly targets?: () => TargetKey[];
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private readonly flushEveryMs: number;
  private readonly degradedForMs: number;
  private readonly fallback: MemoryBreakerStore;
  private readonly cache = new Map<TargetKey, Cached>();
  private readonly seen = new Map<TargetKey, BreakerSettings>();
  /** Successes not yet written, per target and generation: bucket start → count. */
  private readonly pendingSuccesses = new Map<TargetKey, { generation: number; counts: Map<number, number> }>();
  private readonly lastFlush = new Map<TargetKey, number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private degradedUntil = 0;

  constructor(options: DynamoBreakerOptions) {
    this.client = options.client;
    this.table = options.table;
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.telemetry = options.telemetry;
    this.targets = options.targets;
    this.cacheMs = options.cacheMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 150;
    this.flushEveryMs = options.flushEveryMs ?? 10_000;
    this.degradedForMs = options.degradedForMs ?? 5_000;
    this.fallback = new MemoryBreakerStore({ clock: this.clock, random: this.random });
  }

  async admit(target: TargetKey, settings: BreakerSettings, leaseMs: number): Promise<Admission> {
    this.seen.set(target, settings);
    if (this.degraded()) return this.fallback.admit(target, settings, leaseMs);
    try {
      const now = this.clock.now();
      let record = await this.read(target, false);
      const decided = machine.admit(record, settings, now, { id: '', until: now + leaseMs });
      if (decided.admission.decision !== 'probe') return decided.admission;
      // Half-open, or open and due: both need the fresh item and conditional writes.
      record = await this.read(target, true);
      if (record.state === 'open') {
        if (now < record.openUntil || record.forced !== 'auto') return machine.admit(record, settings, now, { id: '', until: 0 }).admission;
        record = (await this.transition(target, record, machine.halfOpened(record))) ?? record;
        if (record.state !== 'half-open') return machine.admit(record, settings, now, { id: '', until: 0 }).admission;
      }
      return await this.takeLease(target, record, settings, now, leaseMs);
    } catch (error) {
      this.degrade(error);
      return this.fallback.admit(target, settings, leaseMs);
    }
  }

  async report(target: TargetKey, settings: BreakerSettings, admission: Admission, outcome: BreakerOutcome): Promise<void> {
    if (this.degraded()) return this.fallback.report(target, settings, admission, outcome);
    const work = this.write(target, settings, admission, outcome).catch((error: unknown) => {
      this.degrade(error);
      return this.fallback.report(target, settings, admission, outcome);
    });
    this.track(work);
    await work;
  }

  async observeProbe(target: TargetKey, settings: BreakerSettings, healthy: boolean): Promise<void> {
    this.seen.set(target, settings);
    if (this.degraded()) return this.fallback.observeProbe(target, settings, healthy);
    try {
      const record = await this.read(target, true);
      const next = machine.observeProbe(record, settings, healthy, this.clock.now(), this.random);
      if (next !== record) await this.transition(target, record, next);
    } catch (error) {
      this.degrade(error);
      await this.fallback.observeProbe(target, settings, healthy);
    }
  }

  async list(): Promise<BreakerSnapshot[]> {
    await this.flush(1_000, true);
    const targets = [...new Set([...(this.targets?.() ?? []), ...this.seen.keys()])].sort();
    const now = this.clock.now();
    try {
      return await Promise.all(
        targets.map(async (target) => {
          const settings = this.seen.get(target);
          const record = await this.read(target, true);
          if (settings) record.buckets = await this.window(target, settings, now, record.generation);
          return machine.snapshot(target, record, settings, now);
        }),
      );
    } catch (error) {
      this.degrade(error);
      return this.fallback.list();
    }
  }

  /** An operator's forced state: unconditional, and seen by every instance within `cacheMs`. */
  async force(target: TargetKey, mode: ForcedMode): Promise<void> {
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: key(target, STATE_SK),
        UpdateExpression: `SET forced = :mode, gen = if_not_exists(gen, :zero) + :one ${removeLeases(8)}`,
        ExpressionAttributeValues: { ':mode': { S: mode }, ':zero': { N: '0' }, ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      }),
      { abortSignal: AbortSignal.timeout(Math.max(this.timeoutMs, 2_000)) },
    );
    this.remember(target, fromItem(result.Attributes));
    await this.fallback.force(target, mode);
  }

  /**
   * Awaits outstanding writes, for at most `timeoutMs`, after writing the success counts that are
   * due (all of them with `all`). The Lambda handler calls it before returning; counts not yet due
   * stay in memory, and if the instance dies with them the breaker only errs towards caution.
   */
  async flush(timeoutMs = 1_000, all = false): Promise<void> {
    const now = this.clock.now();
    for (const target of this.pendingSuccesses.keys()) {
      if (all || now - (this.lastFlush.get(target) ?? 0) >= this.flushEveryMs) {
        this.track(this.flushSuccesses(target).catch((error: unknown) => this.degrade(error)));
      }
    }
    const writes = Promise.allSettled([...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([writes, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  // ── Writes ─────────────────────────────────────────────────────────────────────────────────

  private async write(target: TargetKey, settings: BreakerSettings, admission: Admission, outcome: BreakerOutcome): Promise<void> {
    const now = this.clock.now();
    if (outcome.kind === 'cooldown') {
      await this.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(target, STATE_SK),
          UpdateExpression: 'SET cooldownUntil = :until',
          ConditionExpression: 'attribute_not_exists(cooldownUntil) OR cooldownUntil < :until',
          ExpressionAttributeValues: { ':until': { N: String(outcome.until) } },
          ReturnValues: 'ALL_NEW',
        }),
        target,
      );
      if (admission.decision === 'probe') await this.releaseLease(target, admission);
      return;
    }
    let record = await this.read(target, false);
    if (record.forced !== 'auto') return;
    if (outcome.kind === 'long-open') {
      record = await this.read(target, true);
      if (record.state === 'open' && record.openUntil >= now + settings.longOpenMs) return;
      await this.transition(target, record, machine.opened(record, now, settings.longOpenMs));
      return;
    }
    if (admission.decision === 'skip' || admission.generation < record.generation) return;
    if (admission.decision === 'probe') {
      if (outcome.kind === 'neutral') return this.releaseLease(target, admission);
      record = await this.read(target, true);
      const next = machine.report(record, settings, admission, outcome, now, this.random);
      if (next !== record) await this.transition(target, record, next);
      return;
    }
    if (outcome.kind === 'neutral') return;
    if (outcome.kind === 'success') {
      let pending = this.pendingSuccesses.get(target);
      if (pending && pending.generation !== admission.generation) {
        await this.flushSuccesses(target);
        pending = undefined;
      }
      pending ??= { generation: admission.generation, counts: new Map<number, number>() };
      const start = machine.bucketStart(now, settings);
      pending.counts.set(start, (pending.counts.get(start) ?? 0) + 1);
      this.pendingSuccesses.set(target, pending);
      this.seen.set(target, settings);
      if (now - (this.lastFlush.get(target) ?? 0) >= this.flushEveryMs) await this.flushSuccesses(target);
      return;
    }
    await this.countFailure(target, settings, admission.generation, now);
  }

  /** One failure: bucket and run counters by ADD, then a conditional open when the breaker trips. */
  private async countFailure(target: TargetKey, settings: BreakerSettings, generation: number, now: number): Promise<void> {
    const start = machine.bucketStart(now, settings);
    await this.addToBucket(target, settings, generation, start, 1, 1);
    const updated = await this.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: key(target, STATE_SK),
        UpdateExpression: 'ADD fails :one',
        // Only failures of the generation in force count towards its run.
        ConditionExpression: 'attribute_not_exists(gen) OR gen = :gen',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':gen': { N: String(generation) } },
        ReturnValues: 'ALL_NEW',
      }),
      target,
    );
    if (!updated) return;
    const record = fromItem(updated);
    if (record.state !== 'closed') return;
    record.buckets = await this.window(target, settings, now, generation);
    if (machine.tripped(record, now, settings)) {
      await this.transition(target, record, machine.opened(record, now, machine.openPeriod(record.consecutiveOpens + 1, settings, this.random)));
    }
  }

  private async flushSuccesses(target: TargetKey): Promise<void> {
    const pending = this.pendingSuccesses.get(target);
    const settings = this.seen.get(target);
    if (!pending || !settings) return;
    this.pendingSuccesses.delete(target);
    this.lastFlush.set(target, this.clock.now());
    await Promise.all([...pending.counts].map(([start, count]) => this.addToBucket(target, settings, pending.generation, start, count, 0)));
    // A success ends the run of failures; on the healthy path there is no run to end.
    if ((this.cache.get(target)?.record.consecutiveFailures ?? 1) === 0) return;
    await this.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: key(target, STATE_SK),
        UpdateExpression: 'SET fails = :zero',
        ExpressionAttributeValues: { ':zero': { N: '0' } },
        ReturnValues: 'ALL_NEW',
      }),
      target,
    );
  }

  private async addToBucket(target: TargetKey, settings: BreakerSettings, generation: number, start: number, calls: number, failures: number): Promise<void> {
    const ttl = Math.ceil((start + BUCKET_TTL_WINDOWS * settings.windowMs) / 1000);
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: key(target, bucketSk(generation, start)),
        UpdateExpression: 'ADD calls :calls, failures :failures SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':calls': { N: String(calls) }, ':failures': { N: String(failures) }, ':ttl': { N: String(ttl) } },
      }),
      { abortSignal: AbortSignal.timeout(this.timeoutMs) },
    );
  }

  /**
   * The live window of one generation: the table's buckets plus this instance's unwritten
   * successes. Buckets are per generation, so a close starts from empty counters without deleting.
   */
  private async window(target: TargetKey, settings: BreakerSettings, now: number, generation: number): Promise<machine.Bucket[]> {
    const oldest = machine.bucketStart(now, settings) - (machine.WINDOW_BUCKETS - 1) * machine.bucketMs(settings);
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': { S: target }, ':from': { S: bucketSk(generation, oldest) }, ':to': { S: bucketSk(generation, now) } },
        ConsistentRead: true,
      }),
      { abortSignal: AbortSignal.timeout(this.timeoutMs) },
    );
    const buckets = new Map<number, machine.Bucket>();
    for (const item of result.Items ?? []) {
      const start = Number(item.sk!.S!.split('#')[2]);
      buckets.set(start, { start, calls: num(item.calls), failures: num(item.failures) });
    }
    const pending = this.pendingSuccesses.get(target);
    for (const [start, count] of pending?.generation === generation ? pending.counts : []) {
      const bucket = buckets.get(start) ?? { start, calls: 0, failures: 0 };
      bucket.calls += count;
      buckets.set(start, bucket);
    }
    return machine.liveBuckets([...buckets.values()], now, settings);
  }

  /**
   * Writes `next` if the item is still at the generation `current` was read under. Returns the
   * item as it now is: ours, or the winner's (adopted from the failed condition, no extra read).
   */
  private async transition(target: TargetKey, current: machine.BreakerRecord, next: machine.BreakerRecord): Promise<machine.BreakerRecord | undefined> {
    const values: Item = {
      ':state': { S: next.state },
      ':gen': { N: String(next.generation) },
      ':openUntil': { N: String(next.openUntil) },
      ':opens': { N: String(next.consecutiveOpens) },
      ':fails': { N: String(next.consecutiveFailures) },
    };
    const condition = current.generation === 0 ? 'attribute_not_exists(gen) OR gen = :read' : 'gen = :read';
    values[':read'] = { N: String(current.generation) };
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(target, STATE_SK),
          UpdateExpression: `SET #state = :state, gen = :gen, openUntil = :openUntil, opens = :opens, fails = :fails ${removeLeases(8)}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      );
      const written = fromItem(result.Attributes);
      this.remember(target, written);
      if (written.state !== current.state) this.telemetry?.metric(METRICS.breakerTransitions, 1, { Target: target });
      return written;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // DynamoDB returns the winner's item with the failure; emulators may not: read it then.
        if (!error.Item) return this.read(target, true);
        const winner = fromItem(error.Item);
        this.remember(target, winner);
        return winner;
      }
      throw error;
    }
  }

  /** Takes a free or expired probe lease slot; `probes` slots exist per generation. */
  private async takeLease(target: TargetKey, record: machine.BreakerRecord, settings: BreakerSettings, now: number, leaseMs: number): Promise<Admission> {
    const until = now + leaseMs;
    let earliest = Number.MAX_SAFE_INTEGER;
    for (let slot = 0; slot < settings.probes; slot++) {
      const id = `${slot}:${randomUUID()}`;
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: key(target, STATE_SK),
            UpdateExpression: `SET lease${slot} = :until, leaseId${slot} = :id`,
            ConditionExpression: `gen = :gen AND #state = :half AND (attribute_not_exists(lease${slot}) OR lease${slot} <= :now)`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':until': { N: String(until) }, ':id': { S: id }, ':gen': { N: String(record.generation) }, ':half': { S: 'half-open' }, ':now': { N: String(now) } },
          }),
          { abortSignal: AbortSignal.timeout(this.timeoutMs) },
        );
        return { decision: 'probe', generation: record.generation, leaseId: id, leaseUntil: until };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const held = error.Item?.[`lease${slot}`];
        if (held?.N) earliest = Math.min(earliest, Number(held.N));
        if (error.Item && num(error.Item.gen) !== record.generation) {
          const moved = fromItem(error.Item);
          this.remember(target, moved);
          return machine.admit(moved, settings, now, { id: '', until: 0 }).admission.decision === 'allow'
            ? { decision: 'allow', generation: moved.generation }
            : { decision: 'skip', generation: moved.generation, reason: moved.state === 'open' ? 'open' : 'half-open-busy', until: moved.openUntil };
        }
      }
    }
    return { decision: 'skip', generation: record.generation, reason: 'half-open-busy', until: earliest };
  }

  private async releaseLease(target: TargetKey, admission: Extract<Admission, { decision: 'probe' }>): Promise<void> {
    const slot = admission.leaseId.split(':')[0];
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(target, STATE_SK),
          UpdateExpression: `REMOVE lease${slot}, leaseId${slot}`,
          ConditionExpression: `leaseId${slot} = :id`,
          ExpressionAttributeValues: { ':id': { S: admission.leaseId } },
        }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  // ── Reads, cache, degradation ─────────────────────────────────────────────────────────────

  private async read(target: TargetKey, fresh: boolean): Promise<machine.BreakerRecord> {
    const cached = this.cache.get(target);
    if (!fresh && cached && this.clock.now() - cached.readAt < this.cacheMs) return structuredClone(cached.record);
    const result = await this.client.send(new GetItemCommand({ TableName: this.table, Key: key(target, STATE_SK), ConsistentRead: true }), {
      abortSignal: AbortSignal.timeout(this.timeoutMs),
    });
    const record = fromItem(result.Item);
    this.remember(target, record);
    return structuredClone(record);
  }

  /** Sends an update that returns ALL_NEW; a failed condition returns undefined. */
  private async send(command: UpdateItemCommand, target: TargetKey): Promise<Item | undefined> {
    try {
      const result = await this.client.send(command, { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      if (result.Attributes) this.remember(target, fromItem(result.Attributes));
      return result.Attributes;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private remember(target: TargetKey, record: machine.BreakerRecord): void {
    this.cache.set(target, { record, readAt: this.clock.now() });
  }

  private degraded(): boolean {
    return this.clock.now() < this.degradedUntil;
  }

  private degrade(error: unknown): void {
    this.degradedUntil = this.clock.now() + this.degradedForMs;
    this.telemetry?.metric(METRICS.breakerStoreDegraded, 1);
    this.telemetry?.log('warn', 'breaker table unavailable: deciding in memory', { error: (error as Error)?.name ?? String(error) });
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}

function key(target: TargetKey, sk: string): Item {
  return { pk: { S: target }, sk: { S: sk } };
}

/** `bucket#<generation>#<start>`, zero-padded so one generation's buckets sort by time as strings. */
function bucketSk(generation: number, start: number): string {
  return `${BUCKET_PREFIX}${String(generation).padStart(9, '0')}#${String(Math.max(0, start)).padStart(15, '0')}`;
}

function removeLeases(slots: number): string {
  return 'REMOVE ' + Array.from({ length: slots }, (_, i) => `lease${i}, leaseId${i}`).join(', ');
}

function num(value: AttributeValue | undefined): number {
  return value?.N !== undefined ? Number(value.N) : 0;
}

function fromItem(item: Item | undefined): machine.BreakerRecord {
  const record = machine.initialRecord();
  if (!item) return record;
  record.state = (item.state?.S as machine.BreakerRecord['state']) ?? 'closed';
  record.generation = num(item.gen);
  record.forced = (item.forced?.S as ForcedMode) ?? 'auto';
  record.openUntil = num(item.openUntil);
  record.cooldownUntil = num(item.cooldownUntil);
  record.consecutiveOpens = num(item.opens);
  record.consecutiveFailures = num(item.fails);
  for (let slot = 0; slot < 8; slot++) {
    const until = item[`lease${slot}`]?.N;
    if (until) record.leases.push({ id: item[`leaseId${slot}`]?.S ?? `${slot}`, until: Number(until) });
  }
  return record;
}
