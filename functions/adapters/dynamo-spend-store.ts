import type { AttributeValue, ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { counterId, SPEND_RETRY_HORIZON_MS, SpendWriteRefusedError, type SpendBatch, type SpendCounter, type SpendStore } from '../core/budgets/spend-ledger.ts';
import { clientOf, dynamoSdk, type ClientSource } from './aws-sdk-lazy.ts';

/** Spend items share the breaker table under their own key prefix (breaker keys are `provider/model`). */
export const SPEND_PK_PREFIX = 'spend#';
/** A writer's last applied batch is the attribute `w_<writer>` of the counter's item. */
const WRITER_PREFIX = 'w_';
/** A writer silent this long is forgotten (its retries stop after half of it). */
const FORGET_WRITER_MS = 2 * SPEND_RETRY_HORIZON_MS;
/** Writers forgotten per cleanup write, at most. */
const FORGET_AT_ONCE = 50;

export interface DynamoSpendOptions {
  /** A client, or how to create one on first use (the SDK is loaded off the cold start). */
  client: ClientSource<DynamoDBClient>;
  table: string;
  /** Bound of one DynamoDB call (default 500 ms: spend is written off the request path). */
  timeoutMs?: number;
}

/**
 * Budget spend in the stack's DynamoDB table: `pk` = `spend#<scope>`, `sk` = the period
 * (`day#2026-12-02`), `nanoUsd` an integer counter grown only by atomic `ADD` (never read-modify-
 * write, so concurrent instances never lose each other's spend), `ttl` well after the period, and
 * per writer (instance) `w_<writer>` = the seq of its last applied batch. The `ADD` is conditional
 * on that seq being older than the batch's: an `ADD` is not idempotent, and a batch whose first
 * try timed out after DynamoDB applied it (or that the SDK retried) must not count twice. Writers
 * silent for two hours are removed by whichever writer sees them, so the item stays small (about
 * 20 bytes per instance active in that time; a write costs one WCU per KB of item).
 */
export class DynamoSpendStore implements SpendStore {
  private readonly client: ClientSource<DynamoDBClient>;
  private readonly table: string;
  private readonly timeoutMs: number;

  constructor(options: DynamoSpendOptions) {
    this.client = options.client;
    this.table = options.table;
    this.timeoutMs = options.timeoutMs ?? 500;
  }

  async add(counter: SpendCounter, batch: SpendBatch): Promise<number> {
    const [sdk, client] = await Promise.all([dynamoSdk(), clientOf(this.client)]);
    const writer = `${WRITER_PREFIX}${batch.writer}`;
    try {
      const result = await client.send(
        new sdk.UpdateItemCommand({
          TableName: this.table,
          Key: spendKey(counter),
          UpdateExpression: 'ADD nanoUsd :amount SET #ttl = :ttl, #writer = :seq',
          ConditionExpression: 'attribute_not_exists(#writer) OR #writer < :seq',
          ExpressionAttributeNames: { '#ttl': 'ttl', '#writer': writer },
          ExpressionAttributeValues: {
            ':amount': { N: String(batch.amount) },
            ':ttl': { N: String(Math.ceil(counter.expiresAt / 1000)) },
            ':seq': { N: String(batch.seq) },
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      );
      const item = result.Attributes ?? {};
      this.forgetSilentWriters(counter, item, writer, batch.seq - FORGET_WRITER_MS);
      return Number(item.nanoUsd?.N ?? batch.amount);
    } catch (error) {
      if ((error as Error)?.name === 'ConditionalCheckFailedException') {
        // An earlier try of this batch was applied: the total is the item as it is.
        const item = (error as ConditionalCheckFailedException).Item;
        return item ? Number(item.nanoUsd?.N ?? 0) : (await this.read([counter])).get(counterId(counter))!;
      }
      if (refusedOnFirstTry(error)) throw new SpendWriteRefusedError('the spend store refused the write', { cause: error });
      throw error;
    }
  }

  /** Best effort, beside the write: a writer silent that long never sends a batch again. */
  private forgetSilentWriters(counter: SpendCounter, item: Record<string, AttributeValue>, own: string, before: number): void {
    const silent = Object.keys(item)
      .filter((name) => name.startsWith(WRITER_PREFIX) && name !== own && Number(item[name]!.N) < before)
      .slice(0, FORGET_AT_ONCE);
    if (silent.length === 0) return;
    const names = Object.fromEntries(silent.map((name, i) => [`#w${i}`, name]));
    void (async () => {
      const [sdk, client] = await Promise.all([dynamoSdk(), clientOf(this.client)]);
      await client.send(
        new sdk.UpdateItemCommand({
          TableName: this.table,
          Key: spendKey(counter),
          UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
          // Only while each is still that old: a writer that came back keeps its seq.
          ConditionExpression: Object.keys(names).map((n) => `(attribute_not_exists(${n}) OR ${n} < :before)`).join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':before': { N: String(before) } },
        }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      );
    })().catch(() => undefined);
  }

  async read(counters: SpendCounter[]): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    const [sdk, client] = await Promise.all([dynamoSdk(), clientOf(this.client)]);
    await Promise.all(
      counters.map(async (counter) => {
        const { Item } = await client.send(new sdk.GetItemCommand({ TableName: this.table, Key: spendKey(counter), ProjectionExpression: 'nanoUsd' }), {
          abortSignal: AbortSignal.timeout(this.timeoutMs),
        });
        totals.set(counterId(counter), Number(Item?.nanoUsd?.N ?? 0));
      }),
    );
    return totals;
  }
}

function spendKey(counter: Pick<SpendCounter, 'scope' | 'period'>) {
  return { pk: { S: `${SPEND_PK_PREFIX}${counter.scope}` }, sk: { S: counter.period } };
}

/**
 * DynamoDB answered 4xx to the only try (no SDK retry before it): nothing was applied. A timeout, a
 * cut connection, a 5xx, or a 4xx after a retry (the first try may have been applied) is unknown.
 */
function refusedOnFirstTry(error: unknown): boolean {
  const metadata = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } })?.$metadata;
  const status = metadata?.httpStatusCode ?? 0;
  return status >= 400 && status < 500 && (metadata?.attempts ?? 1) <= 1;
}
