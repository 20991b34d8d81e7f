import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerTable } from '../../../functions/adapters/create-breaker-table.ts';
import { DynamoBreakerPersistence, DynamoBreakerStore } from '../../../functions/adapters/dynamo-breaker-store.ts';
import { DEFAULT_POLICY } from '../../../functions/config/defaults.ts';
import type { BreakerSettings } from '../../../functions/config/schema.ts';
import { startDelayRelay } from '../../support/delay-relay.ts';
import { startDynalite } from '../../support/dynalite.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { breakerStoreContract } from './contract.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let slow: Awaited<ReturnType<typeof startDelayRelay>>;
let client: DynamoDBClient;
let slowClient: DynamoDBClient;
let tables = 0;

/** Every answer of the slow store comes 20 ms late, as from a DynamoDB under load or far away. */
const SLOW_STORE_DELAY_MS = 20;

beforeAll(async () => {
  dynalite = await startDynalite();
  slow = await startDelayRelay(dynalite.endpoint, SLOW_STORE_DELAY_MS);
  client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials });
  slowClient = new DynamoDBClient({ endpoint: slow.endpoint, region: 'us-east-1', credentials });
});
afterAll(async () => {
  client.destroy();
  slowClient.destroy();
  await slow.close();
  await dynalite.close();
});

// dynalite answers in a few ms, not DynamoDB's; a generous timeout keeps 100-way concurrency honest.
breakerStoreContract('DynamoDB (dynalite)', async (clock) => {
  const table = `breakers-${++tables}`;
  await createBreakerTable(client, table);
  return { store: new DynamoBreakerStore({ client, table, clock, random: () => 0.5, timeoutMs: 5_000 }) };
});

breakerStoreContract(`DynamoDB (dynalite, answers ${SLOW_STORE_DELAY_MS} ms late)`, async (clock) => {
  const table = `breakers-${++tables}`;
  await createBreakerTable(client, table);
  return { store: new DynamoBreakerStore({ client: slowClient, table, clock, random: () => 0.5, timeoutMs: 5_000 }) };
});

describe('DynamoDB breaker counts when a write times out after the table applied it', () => {
  it('sends the same batch again, counted once: the breaker sees the real failures only', async () => {
    const table = `breakers-${++tables}`;
    await createBreakerTable(client, table);
    const clock = new ManualClock({ frozen: true });
    // Requests reach the table at once; its answers come back after the client gave up.
    const relay = await startDelayRelay(dynalite.endpoint, 5_000);
    const late = new DynamoDBClient({ endpoint: relay.endpoint, region: 'us-east-1', credentials, maxAttempts: 2 });
    let answersLate = false;
    const store = new DynamoBreakerStore({ client: async () => (answersLate ? late : client), table, clock, random: () => 0.5, timeoutMs: 300, degradedForMs: 0 });
    const stored = new DynamoBreakerPersistence(client, table);
    const failures = async () => (await stored.read(target)).buckets.reduce((sum, b) => sum + b.failures, 0);
    const counting: BreakerSettings = { ...DEFAULT_POLICY.breaker, consecutiveFailures: 1_000, minCalls: 1_000 };
    const target = 'p/slow-answers';
    const fail = async (times: number) => {
      for (let i = 0; i < times; i++) await store.report(target, counting, await store.admit(target, counting, 30_000), { kind: 'failure' });
    };
    try {
      // One failure written in time: the window slot exists, the next counts are ADDed to it.
      await fail(1);
      await store.flush(10_000, true);
      expect(await failures()).toBe(1);
      answersLate = true;
      await fail(3);
      // Each flush fails on the client and sends the same batch again, until the table has it
      // (a try that timed out before reaching the table, on a loaded machine, applied nothing).
      do await store.flush(10_000, true);
      while ((await failures()) !== 4);
      await fail(2);
      answersLate = false;
      await store.flush(10_000, true);
      await store.flush(10_000, true);
      expect(await failures()).toBe(6);
      expect((await stored.read(target)).consecutiveFailures).toBe(6);
      expect((await store.list()).find((b) => b.target === target)).toMatchObject({ state: 'closed', windowFailures: 6, consecutiveFailures: 6 });
    } finally {
      late.destroy();
      await relay.close();
    }
  });
});
