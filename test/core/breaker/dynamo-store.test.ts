import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createBreakerTable } from '../../../functions/adapters/create-breaker-table.ts';
import { DynamoBreakerStore } from '../../../functions/adapters/dynamo-breaker-store.ts';
import { startDynalite } from '../../support/dynalite.ts';
import { breakerStoreContract } from './contract.ts';

let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
});
afterAll(async () => {
  client.destroy();
  await dynalite.close();
});

// dynalite answers in a few ms, not DynamoDB's; a generous timeout keeps 100-way concurrency honest.
breakerStoreContract('DynamoDB (dynalite)', async (clock) => {
  const table = `breakers-${++tables}`;
  await createBreakerTable(client, table);
  return { store: new DynamoBreakerStore({ client, table, clock, random: () => 0.5, timeoutMs: 5_000 }) };
});
