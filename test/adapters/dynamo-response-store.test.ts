import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { DynamoResponseStore } from '../../functions/adapters/dynamo-response-store.ts';
import { startDynalite } from '../support/dynalite.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let client: DynamoDBClient;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  await createBreakerTable(client, 'responses-test');
});
afterAll(async () => {
  client.destroy();
  await dynalite.close();
});

describe('DynamoResponseStore (the stack table, against dynalite)', () => {
  it('keeps a conversation per client key and response id, until its ttl', async () => {
    const clock = new ManualClock();
    const store = new DynamoResponseStore({ client, table: 'responses-test', clock, telemetry: new RecordingTelemetry() });
    const items = [{ role: 'user', content: 'Hi' }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello.' }] }];
    await store.put('key-a', 'resp_1', { items }, 60);
    expect(await store.get('key-a', 'resp_1')).toEqual({ items });
    // Another key cannot read it, and an unknown id is simply not there.
    expect(await store.get('key-b', 'resp_1')).toBeUndefined();
    expect(await store.get('key-a', 'resp_2')).toBeUndefined();
    // DynamoDB deletes expired items lazily: the ttl attribute decides on read.
    clock.advance(61_000);
    expect(await store.get('key-a', 'resp_1')).toBeUndefined();
  });

  it('a table that cannot answer: reads say "not stored", writes are dropped, with a metric and no content in the log', async () => {
    const telemetry = new RecordingTelemetry();
    const down = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials, maxAttempts: 1 });
    const store = new DynamoResponseStore({ client: down, table: 'responses-test', clock: new ManualClock(), telemetry });
    await store.put('key-a', 'resp_1', { items: [{ role: 'user', content: 'secret prompt' }] }, 60);
    expect(await store.get('key-a', 'resp_1')).toBeUndefined();
    expect(telemetry.count('ResponseStoreErrors')).toBe(2);
    expect(JSON.stringify(telemetry.logs)).not.toContain('secret prompt');
    down.destroy();
  });
});
