import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock, Telemetry } from '../core/ports.ts';
import type { ResponseStore, StoredResponse } from '../core/response-store.ts';
import { clientOf, dynamoSdk, type ClientSource } from './aws-sdk-lazy.ts';

/** Bound of one call: a read the request waits for, a write after the answer. */
const CALL_TIMEOUT_MS = 1_000;

/**
 * Stored Responses API conversations in the stack's table (the breaker table: the functions
 * already hold GetItem/PutItem on it, and its `ttl` attribute expires old items). One item per
 * response: `pk` = `response#<client key id>`, `sk` = the response id, the conversation as one
 * JSON string. Failures are values: a read that fails is "not stored", a write that fails is
 * dropped, each with a metric and a log line that names no content. The SDK module loads on the
 * store's first use (a cold start that never continues a stored conversation never pays for it).
 */
export class DynamoResponseStore implements ResponseStore {
  private readonly deps: { client: ClientSource<DynamoDBClient>; table: string; clock: Clock; telemetry: Telemetry };

  constructor(deps: { client: ClientSource<DynamoDBClient>; table: string; clock: Clock; telemetry: Telemetry }) {
    this.deps = deps;
  }

  async get(owner: string, id: string): Promise<StoredResponse | undefined> {
    try {
      const [sdk, client] = await Promise.all([dynamoSdk(), clientOf(this.deps.client)]);
      const result = await client.send(
        new sdk.GetItemCommand({ TableName: this.deps.table, Key: key(owner, id), ConsistentRead: true }),
        { abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
      );
      const item = result.Item;
      if (!item?.items?.S) return undefined;
      // DynamoDB deletes expired items lazily, up to days later: the ttl decides.
      if (Number(item.ttl?.N ?? 0) * 1000 <= this.deps.clock.now()) return undefined;
      return { items: JSON.parse(item.items.S) as unknown[] };
    } catch (error) {
      this.failed('read', error);
      return undefined;
    }
  }

  async put(owner: string, id: string, value: StoredResponse, ttlSeconds: number): Promise<void> {
    try {
      const [sdk, client] = await Promise.all([dynamoSdk(), clientOf(this.deps.client)]);
      await client.send(
        new sdk.PutItemCommand({
          TableName: this.deps.table,
          Item: {
            ...key(owner, id),
            items: { S: JSON.stringify(value.items) },
            ttl: { N: String(Math.ceil(this.deps.clock.now() / 1000) + ttlSeconds) },
          },
        }),
        { abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
      );
    } catch (error) {
      this.failed('write', error);
    }
  }

  private failed(operation: 'read' | 'write', error: unknown): void {
    this.deps.telemetry.metric('ResponseStoreErrors', 1, { Operation: operation });
    this.deps.telemetry.log('warn', `response store ${operation} failed`, { error: (error as Error)?.name ?? 'unknown' });
  }
}

function key(owner: string, id: string) {
  return { pk: { S: `response#${owner}` }, sk: { S: id } };
}
