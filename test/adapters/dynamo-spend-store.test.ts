import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { DynamoSpendStore } from '../../functions/adapters/dynamo-spend-store.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { Budgets } from '../../functions/core/budgets/budgets.ts';
import { SPEND_RETRY_HORIZON_MS, SpendLedger, type SpendCounter } from '../../functions/core/budgets/spend-ledger.ts';
import { startDelayRelay } from '../support/delay-relay.ts';
import { startDynalite } from '../support/dynalite.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

/** Budget spend shared through the stack's table: two instances on one dynalite table. */

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let tables = 0;

beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

async function table(): Promise<string> {
  const name = `spend-${++tables}`;
  await createBreakerTable(new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials }), name);
  return name;
}

/** One instance: its own client and ledger, as one Lambda instance has. */
function instance(name: string, clock: ManualClock, telemetry?: RecordingTelemetry) {
  const client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const ledger = new SpendLedger({ store: new DynamoSpendStore({ client, table: name, timeoutMs: 5_000 }), clock, ...(telemetry ? { telemetry } : {}), flushMs: 60_000 });
  return { client, ledger };
}

const counter: SpendCounter = { scope: 'key:team-a', period: 'day#2026-12-02', expiresAt: Date.UTC(2027, 0, 10) };

describe('spend in DynamoDB', () => {
  it('two instances recording concurrently lose nothing: the stored total is the exact sum', async () => {
    const name = await table();
    const clock = new ManualClock();
    const a = instance(name, clock);
    const b = instance(name, clock);
    // 400 answers of varied cost, recorded on both instances, with flushes racing the records.
    let expected = 0;
    const work: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      const amount = 1_000 + ((i * 7_919) % 13_001);
      expected += amount;
      (i % 2 === 0 ? a : b).ledger.record(counter, amount);
      if (i % 25 === 0) work.push(a.ledger.flush(), b.ledger.flush());
    }
    work.push(a.ledger.flush(), b.ledger.flush());
    await Promise.all(work);
    await Promise.all([a.ledger.flush(), b.ledger.flush()]);
    const { Item } = await a.client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: 'spend#key:team-a' }, sk: { S: 'day#2026-12-02' } } }));
    expect(Number(Item?.nanoUsd?.N)).toBe(expected);
    expect(Number(Item?.ttl?.N)).toBe(Math.ceil(counter.expiresAt / 1000));
    // Each instance converges on the shared total once it refreshes its view.
    await Promise.all([a.ledger.refresh(), b.ledger.refresh()]);
    expect(a.ledger.spent(counter)).toBe(expected);
    expect(b.ledger.spent(counter)).toBe(expected);
  });

  it('an instance sees its own unwritten spend at once, and another instance\'s after a flush and a refresh', async () => {
    const name = await table();
    const clock = new ManualClock({ frozen: true });
    const a = instance(name, clock);
    const b = instance(name, clock);
    a.ledger.record(counter, 5_000);
    expect(a.ledger.spent(counter)).toBe(5_000);
    expect(b.ledger.spent(counter)).toBe(0);
    await a.ledger.flush();
    await b.ledger.refresh();
    expect(b.ledger.spent(counter)).toBe(5_000);
    // A refresh that lands while this instance still has pending spend never counts it twice.
    b.ledger.record(counter, 1_000);
    await b.ledger.refresh();
    expect(b.ledger.spent(counter)).toBe(6_000);
    await b.ledger.flush();
    await b.ledger.refresh();
    expect(b.ledger.spent(counter)).toBe(6_000);
  });

  it('a budget spent on one instance rejects on the other once its view is refreshed', async () => {
    const name = await table();
    const clock = new ManualClock({ frozen: true });
    const validated = validateConfig({
      providers: { p: { kind: 'openai', apiKey: 'env:K' } },
      aliases: { x: { targets: [{ provider: 'p', model: 'gpt-4o' }] } },
      budgets: [{ clientKey: 'team-a', perDay: 0.001 }],
    });
    if (!validated.ok) throw new Error(validated.errors.join('; '));
    const a = instance(name, clock);
    const b = instance(name, clock);
    const onA = new Budgets(validated.config.budgets!, a.ledger);
    const onB = new Budgets(validated.config.budgets!, b.ledger);
    const scopes = { alias: 'x', clientKey: 'team-a' };
    onA.charge(scopes, 1_000_000, clock.now()); // $0.001
    expect(onA.check(scopes, clock.now(), () => false).kind).toBe('reject');
    expect(onB.check(scopes, clock.now(), () => false).kind).toBe('ok');
    await a.ledger.flush();
    await b.ledger.refresh();
    expect(onB.check(scopes, clock.now(), () => false)).toMatchObject({ kind: 'reject', budget: 'key:team-a/day' });
    expect(onB.check({ alias: 'x', clientKey: 'team-b' }, clock.now(), () => false).kind).toBe('ok');
    const [status] = await onB.status(clock.now());
    expect(status).toMatchObject({ budget: 'key:team-a/day', scope: 'key:team-a', spentUsd: 0.001, capUsd: 0.001 });
  });

  it('a store that cannot be reached keeps the spend pending (nothing lost) and says so', async () => {
    const clock = new ManualClock({ frozen: true });
    const telemetry = new RecordingTelemetry();
    const client = new DynamoDBClient({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', credentials, maxAttempts: 1 });
    const ledger = new SpendLedger({ store: new DynamoSpendStore({ client, table: 'none', timeoutMs: 500 }), clock, telemetry, flushMs: 60_000 });
    ledger.record(counter, 7_000);
    await ledger.flush();
    expect(ledger.spent(counter)).toBe(7_000);
    expect(telemetry.count('SpendStoreDegraded')).toBeGreaterThan(0);
    // Later, against a table that answers, the same amount is written once.
    const name = await table();
    const healthy = instance(name, clock);
    const recovered = new SpendLedger({ store: new DynamoSpendStore({ client: healthy.client, table: name }), clock, flushMs: 60_000 });
    recovered.record(counter, 7_000);
    await recovered.flush();
    healthy.ledger.spent(counter); // the view reads the counters it has been asked about
    await healthy.ledger.refresh();
    expect(healthy.ledger.spent(counter)).toBe(7_000);
  });
  it('a write that times out after DynamoDB applied it is sent again as the same batch and counted once', async () => {
    const name = await table();
    const clock = new ManualClock({ frozen: true });
    const telemetry = new RecordingTelemetry();
    const fast = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    // Requests reach the table at once; its answers come back after the client gave up.
    const relay = await startDelayRelay(dynalite.endpoint, 5_000);
    const slow = new DynamoDBClient({ endpoint: relay.endpoint, region: 'us-east-1', credentials, maxAttempts: 2 });
    let slowStore = true;
    const store = new DynamoSpendStore({ client: async () => (slowStore ? slow : fast), table: name, timeoutMs: 300 });
    const ledger = new SpendLedger({ store, clock, telemetry, flushMs: 60_000 });
    try {
      ledger.record(counter, 7_000);
      // Each flush fails on the client, and sends the same batch again; until the table has applied
      // it (a try that timed out before reaching the table, on a loaded machine, applied nothing).
      do await ledger.flush();
      while ((await storedItem(fast, name))?.nanoUsd?.N !== '7000');
      expect(telemetry.count('SpendStoreDegraded')).toBeGreaterThan(0);
      ledger.record(counter, 1_000);
      expect(ledger.spent(counter)).toBe(8_000);
      slowStore = false;
      await ledger.flush(); // the same batch again: refused by the table as applied already
      expect((await storedItem(fast, name))?.nanoUsd?.N).toBe('7000');
      expect(ledger.spent(counter)).toBe(8_000);
      await ledger.flush(); // then the spend recorded meanwhile, in a batch of its own
      expect((await storedItem(fast, name))?.nanoUsd?.N).toBe('8000');
      await ledger.refresh();
      expect(ledger.spent(counter)).toBe(8_000);
    } finally {
      await relay.close();
    }
  });

  it('a write the table refused on its only try rejoins the pending spend and is written once later', async () => {
    const name = `spend-${++tables}`;
    const clock = new ManualClock({ frozen: true });
    const telemetry = new RecordingTelemetry();
    const client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const ledger = new SpendLedger({ store: new DynamoSpendStore({ client, table: name }), clock, telemetry, flushMs: 60_000 });
    ledger.record(counter, 3_000);
    await ledger.flush(); // no such table yet: a 400, nothing applied
    expect(telemetry.count('SpendStoreDegraded')).toBe(1);
    await createBreakerTable(client, name);
    ledger.record(counter, 500);
    await ledger.flush();
    expect((await storedItem(client, name))?.nanoUsd?.N).toBe('3500');
    expect(ledger.spent(counter)).toBe(3_500);
  });

  it('keeps one seq per writer on the item and forgets writers silent for twice the retry horizon', async () => {
    const name = await table();
    const clock = new ManualClock({ frozen: true });
    const a = instance(name, clock);
    const b = instance(name, clock);
    a.ledger.record(counter, 100);
    b.ledger.record(counter, 200);
    await Promise.all([a.ledger.flush(), b.ledger.flush()]);
    expect(writers(await storedItem(a.client, name))).toHaveLength(2);
    clock.advance(2 * SPEND_RETRY_HORIZON_MS + 1);
    b.ledger.record(counter, 300);
    await b.ledger.flush();
    // Removed beside b's write, conditionally: a's seq is gone, b's and the total stay.
    while (writers(await storedItem(a.client, name)).length > 1) await new Promise((resolve) => setTimeout(resolve, 20));
    const item = await storedItem(a.client, name);
    expect(item?.nanoUsd?.N).toBe('600');
    expect(writers(item)).toHaveLength(1);
    // a writes again later: a new seq, counted once.
    a.ledger.record(counter, 50);
    await a.ledger.flush();
    expect((await storedItem(a.client, name))?.nanoUsd?.N).toBe('650');
  });
});

async function storedItem(client: DynamoDBClient, name: string): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: 'spend#key:team-a' }, sk: { S: 'day#2026-12-02' } }, ConsistentRead: true }));
  return Item;
}

function writers(item: Record<string, AttributeValue> | undefined): string[] {
  return Object.keys(item ?? {}).filter((name) => name.startsWith('w_'));
}
