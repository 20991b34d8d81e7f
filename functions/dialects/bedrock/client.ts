import type * as BedrockSdkModule from '@aws-sdk/client-bedrock-runtime';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

type BedrockSdk = typeof BedrockSdkModule;

let sdk: Promise<BedrockSdk> | undefined;
const clients = new Map<string, BedrockRuntimeClient>();

/**
 * The Bedrock runtime SDK, loaded on first use: it costs tens of milliseconds to load, which every
 * cold start and `npm start` would pay even when no Bedrock provider is configured.
 */
export function bedrockSdk(): Promise<BedrockSdk> {
  sdk ??= import('@aws-sdk/client-bedrock-runtime');
  return sdk;
}

/**
 * One client per (region, endpoint), created on first use and kept for the life of the module so
 * connections and resolved credentials are reused across requests. Credentials always come from
 * the SDK's default chain (the Lambda role, or the environment locally), never from the config.
 * `maxAttempts: 1`: the attempt loop is the only layer that retries; the SDK must not retry behind
 * its back. Timeouts are the attempt loop's too: it aborts through the call's signal.
 */
export async function bedrockClient(region: string, endpoint: string | undefined): Promise<BedrockRuntimeClient> {
  const key = `${region}\n${endpoint ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    const { BedrockRuntimeClient } = await bedrockSdk();
    client = clients.get(key) ?? new BedrockRuntimeClient({ region, maxAttempts: 1, ...(endpoint ? { endpoint } : {}) });
    clients.set(key, client);
  }
  return client;
}
