import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

const clients = new Map<string, BedrockRuntimeClient>();

/**
 * One client per (region, endpoint), created on first use and kept for the life of the module so
 * connections and resolved credentials are reused across requests. Credentials always come from
 * the SDK's default chain (the Lambda role, or the environment locally), never from the config.
 * `maxAttempts: 1`: the attempt loop is the only layer that retries; the SDK must not retry behind
 * its back. Timeouts are the attempt loop's too: it aborts through the call's signal.
 */
export function bedrockClient(region: string, endpoint: string | undefined): BedrockRuntimeClient {
  const key = `${region}\n${endpoint ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    client = new BedrockRuntimeClient({ region, maxAttempts: 1, ...(endpoint ? { endpoint } : {}) });
    clients.set(key, client);
  }
  return client;
}
