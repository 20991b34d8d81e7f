import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { AwsJsonCalls } from './aws-json-client.ts';

/**
 * The AWS SDK modules and clients, loaded on first use. A client package costs tens of ms of CPU
 * to import; imported at the top of the bundle, every cold start pays for it before the first
 * request, even for a client the request never needs (DynamoDB is off the request path). The
 * runtime caches the module after the first import.
 */

/** A client, or how to create one on first use (tests pass a client pointed at a loopback fake). */
export type ClientSource<T> = T | (() => Promise<T>);

export const dynamoSdk = () => import('@aws-sdk/client-dynamodb');

/** Creates the client once, on the first call. */
export function once<T>(create: () => Promise<T>): () => Promise<T> {
  let client: Promise<T> | undefined;
  return () => (client ??= create());
}

/** The breaker store's client: one retry at most, so a slow table costs little. */
export function lazyBreakerClient(config: DynamoDBClientConfig = {}): () => Promise<DynamoDBClient> {
  return once(async () => new (await dynamoSdk()).DynamoDBClient({ maxAttempts: 2, ...config }));
}

export async function clientOf<T extends { send: unknown }>(source: ClientSource<T>): Promise<T> {
  return 'send' in source ? (source as T) : source();
}

/**
 * Parameter Store through the SDK client, for the local server: the SDK's credential chain
 * (profiles, SSO) serves a developer's machine, where the environment rarely holds keys; start-up
 * does not matter there as it does on Lambda (which uses `AwsJsonClient`).
 */
export function lazySsmCalls(): AwsJsonCalls {
  const ready = once(async () => {
    const sdk = await import('@aws-sdk/client-ssm');
    return { sdk, client: new sdk.SSMClient({}) };
  });
  const commands = { GetParameter: 'GetParameterCommand', GetParametersByPath: 'GetParametersByPathCommand' } as const;
  return {
    async call<T>(operation: string, input: object, signal?: AbortSignal): Promise<T> {
      const { sdk, client } = await ready();
      const name = commands[operation as keyof typeof commands];
      if (!name) throw new Error(`SSM ${operation} is not used by the proxy`);
      const Command = sdk[name] as unknown as new (input: object) => Parameters<typeof client.send>[0];
      return (await client.send(new Command(input), signal ? { abortSignal: signal } : {})) as T;
    },
  };
}
