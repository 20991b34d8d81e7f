import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createBreakerTable } from '../../../functions/adapters/create-breaker-table.ts';
import { DynamoBreakerStore } from '../../../functions/adapters/dynamo-breaker-store.ts';
import { startDelayRelay } from '../../support/delay-relay.ts';
import { startDynalite } from '../../support/dynalite.ts';
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
