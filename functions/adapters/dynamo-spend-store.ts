import type { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { counterId, SPEND_RETRY_HORIZON_MS, SpendWriteRefusedError, type SpendBatch, type SpendCounter, type SpendStore } from '../core/budgets/spend-ledger.ts';
import { clientOf, dynamoSdk, type ClientSource } from './aws-sdk-lazy.ts';
import { forgetSilentWriters, NOT_APPLIED, refusedOnFirstTry, writerAttribute } from './dynamo-writers.ts';

/** Spend items share the breaker table under their own key prefix (breaker keys are `provider/model`). */
export const SPEND_PK_PREFIX = 'spend#';
/** A writer silent this long is forgotten (its retries stop after half of it). */
const FORGET_WRITER_MS = 2 * SPEND_RETRY_HORIZON_MS;

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
 * per writer (instance) `w_<writer>` = the seq of its last applied batch, so that the `ADD` counts a
 * batch once however often it is sent (dynamo-writers.ts). Writers silent for two hours are removed
 * (a write costs one WCU per KB of item).
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
    const writer = writerAttribute(batch.writer);
    try {
      const result = await client.send(
        new sdk.UpdateItemCommand({
          TableName: this.table,
          Key: spendKey(counter),
          UpdateExpression: 'ADD nanoUsd :amount SET #ttl = :ttl, #writer = :seq',
          ConditionExpression: NOT_APPLIED,
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
      forgetSilentWriters(this.client, this.table, spendKey(counter), item, writer, batch.seq - FORGET_WRITER_MS, this.timeoutMs);
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

