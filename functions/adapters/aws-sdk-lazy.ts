import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { SSMClient } from '@aws-sdk/client-ssm';

/**
 * The AWS SDK modules and clients, loaded on first use. A client package costs tens of ms of CPU
 * to import; imported at the top of the bundle, every cold start pays for it before the first
 * request, even for a client the request never needs (DynamoDB is off the request path). The
 * runtime caches the module after the first import.
 */

/** A client, or how to create one on first use (tests pass a client pointed at a loopback fake). */
export type ClientSource<T> = T | (() => Promise<T>);

export const ssmSdk = () => import('@aws-sdk/client-ssm');
export const dynamoSdk = () => import('@aws-sdk/client-dynamodb');

/** Creates the client once, on the first call. */
export function once<T>(create: () => Promise<T>): () => Promise<T> {
  let client: Promise<T> | undefined;
  return () => (client ??= create());
}

export function lazySsmClient(): () => Promise<SSMClient> {
  return once(async () => new (await ssmSdk()).SSMClient({}));
}

/** The breaker store's client: one retry at most, so a slow table costs little. */
export function lazyBreakerClient(config: DynamoDBClientConfig = {}): () => Promise<DynamoDBClient> {
  return once(async () => new (await dynamoSdk()).DynamoDBClient({ maxAttempts: 2, ...config }));
}

export async function clientOf<T extends { send: unknown }>(source: ClientSource<T>): Promise<T> {
  return 'send' in source ? (source as T) : source();
}
