import { PROVIDER_KINDS } from '../config/presets.ts';
import type { Config, ProviderConfig } from '../config/schema.ts';

/**
 * Where a configuration sends each secret: a pushed configuration must not be able to aim a key
 * (or the ambient AWS credentials Bedrock signs with) at a host of the pusher's choice unless the
 * pusher holds the admin key. Hosts are compared by origin (scheme, host, port).
 */

/** The pseudo-reference of the instance's own AWS credentials (Bedrock signs its calls with them). */
const AWS_CREDENTIALS = 'aws:credentials';

/** `reference → destination` pairs, e.g. `env:OPENAI_API_KEY → https://api.openai.com`. */
export function secretDestinations(config: Config): Set<string> {
  const pairs = new Set<string>();
  for (const provider of Object.values(config.providers)) {
    const reference = provider.kind === 'bedrock' ? AWS_CREDENTIALS : provider.apiKey;
    if (reference) pairs.add(`${reference} → ${destination(provider)}`);
  }
  return pairs;
}

/**
 * The secrets `next` would send somewhere `current` does not: a changed base URL for a provider
 * with a key, a new provider reusing a key reference with another host, or a reference the running
 * configuration never used (`env:ANY_VAR`). Empty when nothing moves.
 */
export function movedSecrets(current: Config, next: Config): string[] {
  const before = secretDestinations(current);
  return [...secretDestinations(next)].filter((pair) => !before.has(pair));
}

function destination(provider: ProviderConfig): string {
  if (provider.kind === 'bedrock' && !provider.baseUrl) return `bedrock ${provider.region ?? ''}`;
  const url = provider.baseUrl ?? ('baseUrl' in PROVIDER_KINDS[provider.kind] ? (PROVIDER_KINDS[provider.kind] as { baseUrl: string }).baseUrl : '');
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
