import type { AttributeValue, ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { MAX_PROBES } from '../config/defaults.ts';
import { BREAKER_RETRY_HORIZON_MS, type BreakerPersistence, type CountBatch, type LeaseClaim, type Written } from '../core/breaker/persistence.ts';
import { SharedBreakerStore, type SharedBreakerOptions } from '../core/breaker/shared-store.ts';
import * as machine from '../core/breaker/state-machine.ts';
import type { BreakerState, ForcedMode, TargetKey } from '../core/ports.ts';
import { clientOf, dynamoSdk, type ClientSource } from './aws-sdk-lazy.ts';
import { applied, forgetSilentWriters, NOT_APPLIED, writerAttribute } from './dynamo-writers.ts';

type Item = Record<string, AttributeValue>;

const STATE_SK = 'state';
const LEASES = Array.from({ length: MAX_PROBES }, (_, i) => i);
const WINDOW = Array.from({ length: machine.WINDOW_BUCKETS }, (_, i) => i);
/** Every lease slot and window slot: a transition starts the new generation without them. */
const CLEARED = [...LEASES.flatMap((i) => [`lease${i}`, `leaseId${i}`]), ...WINDOW.flatMap((i) => [`ws${i}`, `wc${i}`, `wf${i}`])].join(', ');

/**
 * The breakers' DynamoDB conditions, and nothing else: one item per target (`pk` = target, `sk` =
 * `state`) holding the state, generation, forced mode, open-until, cooldown, opens, the run of
 * failures (`fails`), the window as rotating bucket slots (`ws<i>` start, `wc<i>` calls, `wf<i>`
 * failures), the probe lease slots (`lease<i>` until, `leaseId<i>`) and, per instance that added
 * counts in the last 20 minutes, `w_<writer>` = its last batch (so a batch sent again after a timeout
 * is not counted twice: dynamo-writers.ts). Every write is one
 * UpdateItem returning the item after it, or — when its condition fails — the item that beat it
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`). The logic is in core/breaker/shared-store.ts.
 */
export class DynamoBreakerPersistence implements BreakerPersistence {
  private readonly client: ClientSource<DynamoDBClient>;
  private readonly table: string;
  private readonly timeoutMs: number;

  /**
   * `client` may be created on first use (the SDK module then loads off the request path, in a
   * background read); `timeoutMs` bounds one call (default 150 ms): the store is advisory.
   */
  constructor(client: ClientSource<DynamoDBClient>, table: string, timeoutMs = 150) {
    this.client = client;
    this.table = table;
    this.timeoutMs = timeoutMs;
  }

  async read(target: TargetKey): Promise<machine.BreakerRecord> {
    const [client, { GetItemCommand }] = await Promise.all([clientOf(this.client), dynamoSdk()]);
    const result = await client.send(new GetItemCommand({ TableName: this.table, Key: key(target), ConsistentRead: true }), this.bound());
    return fromItem(result.Item);
  }

  /** A paginated Scan of the breaker items (the table also holds response records: `sk` tells them apart). */
  async targets(): Promise<TargetKey[]> {
    const [client, { ScanCommand }] = await Promise.all([clientOf(this.client), dynamoSdk()]);
    const targets: TargetKey[] = [];
    let start: Item | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'sk = :state',
          ProjectionExpression: 'pk',
          // Said explicitly: the proxy's Scan grant requires it (keys only, infra/constructs/breaker-table.ts).
          Select: 'SPECIFIC_ATTRIBUTES',
          ExpressionAttributeValues: { ':state': str(STATE_SK) },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
        this.bound(),
      );
      for (const item of page.Items ?? []) if (item.pk?.S) targets.push(item.pk.S);
      start = page.LastEvaluatedKey;
    } while (start);
    return targets;
  }

  async add(target: TargetKey, batch: CountBatch): Promise<Written> {
    const writer = writerAttribute(batch.writer);
    const values: Item = { ':run': num(batch.runFailures), ':seq': num(batch.seq) };
    const sets: string[] = ['#writer = :seq'];
    const adds: string[] = [];
    const conditions = [NOT_APPLIED, atGeneration(batch.generation, values)];
    if (batch.runReset) sets.push('fails = :run');
    else adds.push('fails :run');
    for (const { slot, start, calls, failures, fresh } of batch.slots) {
      Object.assign(values, { [`:s${slot}`]: num(start), [`:c${slot}`]: num(calls), [`:f${slot}`]: num(failures) });
      if (fresh) {
        // The slot holds an older bucket (or none): this batch starts it over.
        sets.push(`ws${slot} = :s${slot}`, `wc${slot} = :c${slot}`, `wf${slot} = :f${slot}`);
        conditions.push(`(attribute_not_exists(ws${slot}) OR ws${slot} < :s${slot})`);
      } else {
        adds.push(`wc${slot} :c${slot}`, `wf${slot} :f${slot}`);
        conditions.push(`ws${slot} = :s${slot}`);
      }
    }
    const expression = [`SET ${sets.join(', ')}`, adds.length ? `ADD ${adds.join(', ')}` : ''].join(' ').trim();
    const { ok, item } = await this.updateItem({
      Key: key(target),
      UpdateExpression: expression,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#writer': writer },
      ExpressionAttributeValues: values,
    });
    if (ok) forgetSilentWriters(this.client, this.table, key(target), item, writer, batch.seq - 2 * BREAKER_RETRY_HORIZON_MS, this.timeoutMs);
    // A condition that failed because an earlier try of this very batch was applied: it is written.
    return { ok: ok || applied(item, writer, batch.seq), record: fromItem(item) };
  }

  async transition(target: TargetKey, from: number, next: machine.BreakerRecord): Promise<Written> {
    const values: Item = { ':state': str(next.state), ':gen': num(next.generation), ':openUntil': num(next.openUntil), ':opens': num(next.consecutiveOpens), ':fails': num(next.consecutiveFailures) };
    return this.update({
      Key: key(target),
      UpdateExpression: `SET #state = :state, gen = :gen, openUntil = :openUntil, opens = :opens, fails = :fails REMOVE ${CLEARED}`,
      ConditionExpression: atGeneration(from, values),
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: values,
    });
  }

  async takeLease(target: TargetKey, claim: LeaseClaim): Promise<Written> {
    const { slot, lease } = claim;
    const values: Item = { ':gen': num(claim.generation), ':until': num(lease.until), ':id': str(lease.id), ':now': num(claim.now) };
    if (claim.halfOpen) {
      // open → half-open and the first lease in one write: only one instance moves it, and takes it.
      Object.assign(values, { ':open': str('open'), ':half': str('half-open'), ':next': num(claim.generation + 1) });
      return this.update({
        Key: key(target),
        UpdateExpression: `SET #state = :half, gen = :next, lease${slot} = :until, leaseId${slot} = :id REMOVE ${CLEARED.replace(`lease${slot}, leaseId${slot}, `, '')}`,
        ConditionExpression: 'gen = :gen AND #state = :open AND openUntil <= :now',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: values,
      });
    }
    values[':half'] = str('half-open');
    return this.update({
      Key: key(target),
      UpdateExpression: `SET lease${slot} = :until, leaseId${slot} = :id`,
      ConditionExpression: `gen = :gen AND #state = :half AND (attribute_not_exists(lease${slot}) OR lease${slot} <= :now)`,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: values,
    });
  }

  async releaseLease(target: TargetKey, slot: number, leaseId: string): Promise<void> {
    await this.update({
      Key: key(target),
      UpdateExpression: `REMOVE lease${slot}, leaseId${slot}`,
      ConditionExpression: `leaseId${slot} = :id`,
      ExpressionAttributeValues: { ':id': str(leaseId) },
    });
  }

  async cooldown(target: TargetKey, until: number): Promise<void> {
    await this.update({
      Key: key(target),
      UpdateExpression: 'SET cooldownUntil = :until',
      ConditionExpression: 'attribute_not_exists(cooldownUntil) OR cooldownUntil < :until',
      ExpressionAttributeValues: { ':until': num(until) },
    });
  }

  async force(target: TargetKey, mode: ForcedMode): Promise<machine.BreakerRecord> {
    const written = await this.update(
      {
        Key: key(target),
        UpdateExpression: `SET forced = :mode, gen = if_not_exists(gen, :zero) + :one REMOVE ${LEASES.map((i) => `lease${i}, leaseId${i}`).join(', ')}`,
        ExpressionAttributeValues: { ':mode': str(mode), ':zero': num(0), ':one': num(1) },
      },
      // An operator waits for this one; it may take longer than a request's bound.
      Math.max(this.timeoutMs, 2_000),
    );
    return written.record;
  }

  private async update(input: UpdateInput, timeoutMs = this.timeoutMs): Promise<Written> {
    const { ok, item } = await this.updateItem(input, timeoutMs);
    return { ok, record: fromItem(item) };
  }

  /** The item after the write, or the one that failed its condition. */
  private async updateItem(input: UpdateInput, timeoutMs = this.timeoutMs): Promise<{ ok: boolean; item: Item }> {
    const [client, { UpdateItemCommand, GetItemCommand }] = await Promise.all([clientOf(this.client), dynamoSdk()]);
    try {
      const result = await client.send(
        new UpdateItemCommand({ ...input, TableName: this.table, ReturnValues: 'ALL_NEW', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
        this.bound(timeoutMs),
      );
      return { ok: true, item: result.Attributes ?? {} };
    } catch (error) {
      if ((error as Error)?.name !== 'ConditionalCheckFailedException') throw error;
      // DynamoDB returns the current item with the failure; an emulator may not: read it then.
      const current = (error as ConditionalCheckFailedException).Item;
      if (current) return { ok: false, item: current };
      const { Item } = await client.send(new GetItemCommand({ TableName: this.table, Key: input.Key, ConsistentRead: true }), this.bound(timeoutMs));
      return { ok: false, item: Item ?? {} };
    }
  }

  private bound(timeoutMs = this.timeoutMs): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(timeoutMs) };
  }
}

type UpdateInput = Omit<UpdateItemCommandInput, 'TableName' | 'ReturnValues' | 'ReturnValuesOnConditionCheckFailure'>;

export interface DynamoBreakerOptions extends Omit<SharedBreakerOptions, 'persistence'> {
  /** A client, or how to create it on first use (`lazyBreakerClient()`). */
  client: ClientSource<DynamoDBClient>;
  table: string;
  /** Bound of one DynamoDB call (default 150 ms). */
  timeoutMs?: number;
}

/** The shared breakers (core/breaker/shared-store.ts) kept in the stack's DynamoDB table. */
export class DynamoBreakerStore extends SharedBreakerStore {
  constructor(options: DynamoBreakerOptions) {
    const { client, table, timeoutMs, ...shared } = options;
    super({ ...shared, persistence: new DynamoBreakerPersistence(client, table, timeoutMs) });
  }
}

function key(target: TargetKey): Item {
  return { pk: { S: target }, sk: { S: STATE_SK } };
}

/** The condition that the item is at `generation`; a missing item (or `gen`) is generation 0. */
function atGeneration(generation: number, values: Item): string {
  values[':from'] = num(generation);
  return generation === 0 ? '(attribute_not_exists(gen) OR gen = :from)' : 'gen = :from';
}

const num = (n: number): AttributeValue => ({ N: String(n) });
const str = (s: string): AttributeValue => ({ S: s });

function numberOf(value: AttributeValue | undefined): number {
  return value?.N !== undefined ? Number(value.N) : 0;
}

function fromItem(item: Item | undefined): machine.BreakerRecord {
  const record = machine.initialRecord();
  if (!item) return record;
  record.state = (item.state?.S as BreakerState) ?? 'closed';
  record.generation = numberOf(item.gen);
  record.forced = (item.forced?.S as ForcedMode) ?? 'auto';
  record.openUntil = numberOf(item.openUntil);
  record.cooldownUntil = numberOf(item.cooldownUntil);
  record.consecutiveOpens = numberOf(item.opens);
  record.consecutiveFailures = numberOf(item.fails);
  for (const slot of LEASES) {
    const until = item[`lease${slot}`]?.N;
    if (until) record.leases.push({ id: item[`leaseId${slot}`]?.S ?? `${slot}:`, until: Number(until) });
  }
  for (const slot of WINDOW) {
    if (item[`ws${slot}`]?.N) record.buckets.push({ start: numberOf(item[`ws${slot}`]), calls: numberOf(item[`wc${slot}`]), failures: numberOf(item[`wf${slot}`]) });
  }
  return record;
}
