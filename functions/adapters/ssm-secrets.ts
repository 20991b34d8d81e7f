import type { GetParameterResult } from '@aws-sdk/client-ssm';
import { DIMENSIONS, METRICS } from '../config/metric-names.ts';
import { systemClock, type Clock, type Secrets, type Telemetry } from '../core/ports.ts';
import type { AwsJsonCalls } from './aws-json-client.ts';
import { envSecrets } from './env-secrets.ts';

export interface SsmSecretsOptions {
  /** Parameter Store: on Lambda a signed call (`AwsJsonClient`), not the SDK client, for the cold start. */
  client: AwsJsonCalls;
  /** For `env:` references (usually `process.env`). */
  env?: Record<string, string | undefined>;
  telemetry?: Telemetry;
  clock?: Clock;
  /** How long a resolved key is reused; default 5 min, so a rotated key propagates. */
  ttlMs?: number;
  /** How long "this parameter does not exist" is remembered; default 30 s. */
  missingTtlMs?: number;
  /** After an SSM failure, how long the last known value (or nothing) is served before retrying; default 10 s. */
  failureBackoffMs?: number;
  /** Bound of one GetParameter call; default 3 s. */
  fetchTimeoutMs?: number;
}

type Entry = { value: string | undefined; until: number };

/**
 * Provider keys: `ssm:/path` from SSM SecureStrings (decrypted), `env:NAME` from the environment.
 * Values are cached (Parameter Store allows 40 TPS per account by default); when SSM fails, a key
 * already known keeps serving past its TTL. Values are never logged.
 */
export class SsmSecrets implements Secrets {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly env: Secrets;
  private readonly options: SsmSecretsOptions;
  private readonly clock: Clock;

  constructor(options: SsmSecretsOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.env = envSecrets(options.env ?? {});
  }

  async resolve(reference: string): Promise<string | undefined> {
    if (reference.startsWith('env:')) return this.env.resolve(reference);
    if (!reference.startsWith('ssm:/')) return undefined;
    const name = reference.slice(4);
    const cached = this.cache.get(name);
    if (cached && this.clock.now() < cached.until) return cached.value;
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.fetch(name, cached).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  /** Forgets every cached value (e.g. after an operator rotated a key and wants it now). */
  clear(): void {
    this.cache.clear();
  }

  private async fetch(name: string, stale: Entry | undefined): Promise<string | undefined> {
    const { client, telemetry } = this.options;
    const now = this.clock.now();
    try {
      const out = await client.call<GetParameterResult>('GetParameter', { Name: name, WithDecryption: true }, AbortSignal.timeout(this.options.fetchTimeoutMs ?? 3000));
      const value = out.Parameter?.Value?.trim() || undefined;
      this.cache.set(name, { value, until: now + (value ? (this.options.ttlMs ?? 300_000) : (this.options.missingTtlMs ?? 30_000)) });
      if (!value) this.reportMissing(name, 'is empty');
      return value;
    } catch (error) {
      if ((error as Error)?.name === 'ParameterNotFound') {
        this.cache.set(name, { value: undefined, until: now + (this.options.missingTtlMs ?? 30_000) });
        this.reportMissing(name, 'does not exist');
        return undefined;
      }
      telemetry?.metric(METRICS.keyStoreDegraded, 1);
      telemetry?.log('warn', `cannot read the key parameter ${name}${stale?.value ? '; using the cached key' : ''}`, {
        parameter: name,
        error: error instanceof Error ? error.name : 'unknown',
      });
      // Keep a known key (static stability), and wait a little before asking again so an outage
      // or throttling is not made worse by one call per request.
      this.cache.set(name, { value: stale?.value, until: now + (this.options.failureBackoffMs ?? 10_000) });
      return stale?.value;
    }
  }

  private reportMissing(name: string, why: string): void {
    // The parameter is named after the provider by convention (`<keysPath>/<provider>`).
    const provider = name.slice(name.lastIndexOf('/') + 1);
    this.options.telemetry?.metric(METRICS.providerKeyMissing, 1, { [DIMENSIONS.provider]: provider });
    this.options.telemetry?.log('error', `key parameter ${name} ${why}; targets that need it are skipped (set it with: npm run keys -- set ${provider})`, { parameter: name });
  }
}
