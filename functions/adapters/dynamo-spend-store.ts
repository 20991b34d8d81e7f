import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { counterId, type SpendCounter, type SpendStore } from '../core/budgets/spend-ledger.ts';
import { clientOf, dynamoSdk, type ClientSource } from './aws-sdk-lazy.ts';

/** Spend items share the breaker table under their own key prefix (breaker keys are `provider/model`). */
export const SPEND_PK_PREFIX = 'spend#';

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
 * write, so concurrent instances never lose each other's spend), `ttl` well after the period.
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

  async add(counter: SpendCounter, amount: number): Promise<number> {
    const [sdk, client] = await Promise.all([dynamoSdk(), clientOf(this.client)]);
    const result = await client.send(
      new sdk.UpdateItemCommand({
        TableName: this.table,
        Key: spendKey(counter),
        UpdateExpression: 'ADD nanoUsd :amount SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':amount': { N: String(amount) }, ':ttl': { N: String(Math.ceil(counter.expiresAt / 1000)) } },
        ReturnValues: 'UPDATED_NEW',
      }),
      { abortSignal: AbortSignal.timeout(this.timeoutMs) },
    );
    return Number(result.Attributes?.nanoUsd?.N ?? amount);
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
