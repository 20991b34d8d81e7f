import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientOf, dynamoSdk, type ClientSource } from './aws-sdk-lazy.ts';

/**
 * Aggregated counters (spend, breaker counts) grow by `ADD`, which is not idempotent: a write that
 * timed out after DynamoDB applied it, or that the SDK retried, would count twice. So each writer
 * (an instance) numbers its batches and the item keeps, per writer, the number of its last applied
 * batch as the attribute `w_<writer>`; an `ADD` is conditional on it being older, and a batch sent
 * again is refused as applied already. A writer silent for long is removed by whichever writer
 * sees it, so the item holds only the writers of the last hours (about 20 bytes each).
 */
export const WRITER_PREFIX = 'w_';

export function writerAttribute(writer: string): string {
  return `${WRITER_PREFIX}${writer}`;
}

/** The condition that batch `:seq` of writer `#writer` is not in the item yet. */
export const NOT_APPLIED = '(attribute_not_exists(#writer) OR #writer < :seq)';

/** The batch `seq` of this writer (or a later one) is in the item. */
export function applied(item: Record<string, AttributeValue> | undefined, attribute: string, seq: number): boolean {
  const last = item?.[attribute]?.N;
  return last !== undefined && Number(last) >= seq;
}

/** Writers forgotten per cleanup write, at most. */
const FORGET_AT_ONCE = 50;

/**
 * Best effort, beside a write and not awaited: removes the writers of `item` (but `own`) whose last
 * batch is older than `before`, only while each still is (a writer that came back keeps its seq).
 */
export function forgetSilentWriters(
  source: ClientSource<DynamoDBClient>,
  table: string,
  key: Record<string, AttributeValue>,
  item: Record<string, AttributeValue>,
  own: string,
  before: number,
  timeoutMs: number,
): void {
  const silent = Object.keys(item)
    .filter((name) => name.startsWith(WRITER_PREFIX) && name !== own && Number(item[name]!.N) < before)
    .slice(0, FORGET_AT_ONCE);
  if (silent.length === 0) return;
  const names = Object.fromEntries(silent.map((name, i) => [`#w${i}`, name]));
  void (async () => {
    const [sdk, client] = await Promise.all([dynamoSdk(), clientOf(source)]);
    await client.send(
      new sdk.UpdateItemCommand({
        TableName: table,
        Key: key,
        UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
        ConditionExpression: Object.keys(names)
          .map((n) => `(attribute_not_exists(${n}) OR ${n} < :before)`)
          .join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':before': { N: String(before) } },
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
  })().catch(() => undefined);
}

/**
 * DynamoDB answered 4xx to the only try (no SDK retry before it): nothing was applied. A timeout, a
 * cut connection, a 5xx, or a 4xx after a retry (the first try may have been applied) is unknown.
 */
export function refusedOnFirstTry(error: unknown): boolean {
  const metadata = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } })?.$metadata;
  const status = metadata?.httpStatusCode ?? 0;
  return status >= 400 && status < 500 && (metadata?.attempts ?? 1) <= 1;
}
