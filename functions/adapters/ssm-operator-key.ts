import type { GetParameterResult } from '@aws-sdk/client-ssm';
import { METRICS } from '../config/metric-names.ts';
import { systemClock, type Clock, type Telemetry } from '../core/ports.ts';
import type { OperatorPolicy } from '../core/operator-auth.ts';
import type { AwsJsonCalls } from './aws-json-client.ts';

export interface SsmOperatorKeyOptions {
  /** Parameter Store: on Lambda a signed call (`AwsJsonClient`), not the SDK client. */
  client: AwsJsonCalls;
  /** Env UNDERSTUDY_KEYS_PATH; the hash lives under `<keysPath>/operator/admin` (`npm run keys -- admin`). */
  keysPath: string;
  telemetry?: Telemetry;
  clock?: Clock;
  /** How long a read hash is trusted: a rotated key stops working within this (default 30 s). */
  ttlMs?: number;
  /** How soon a missing parameter, or a failed read, is asked for again (default 10 s). */
  retryMs?: number;
  /** Bound of one GetParameter (default 3 s). */
  timeoutMs?: number;
}

const HASH = /^[0-9a-f]{64}$/;

/**
 * The operator policy of the deployed function: the admin key's SHA-256, read from SSM only when an
 * operator route is asked for (never at init, never on an inference request) and kept for a short
 * TTL. No parameter, or one that holds no hash, refuses every operator request with 403 saying how
 * to create one; SSM failing keeps the last hash read, and without one refuses with 503. Never open.
 */
export class SsmOperatorKey {
  private policy: OperatorPolicy | undefined;
  private until = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<OperatorPolicy> | undefined;
  private readonly options: SsmOperatorKeyOptions;
  private readonly clock: Clock;
  readonly parameter: string;

  constructor(options: SsmOperatorKeyOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.parameter = `${options.keysPath}/operator/admin`;
  }

  /** The policy in force (reads SSM when the last read is older than its TTL; joins a read under way). */
  current(): Promise<OperatorPolicy> {
    if (this.policy && this.clock.now() < this.until) return Promise.resolve(this.policy);
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<OperatorPolicy> {
    const { ttlMs = 30_000, retryMs = 10_000, timeoutMs = 3_000, telemetry } = this.options;
    const now = this.clock.now();
    try {
      const result = await this.options.client.call<GetParameterResult>('GetParameter', { Name: this.parameter, WithDecryption: true }, AbortSignal.timeout(timeoutMs));
      const hash = parseHash(result.Parameter?.Value);
      if (!hash) return this.keep({ unavailable: { status: 403, message: `the operator key parameter ${this.parameter} holds no key hash: store one with \`npm run keys -- admin\`` } }, now + retryMs);
      return this.keep({ adminKeyHash: hash }, now + ttlMs);
    } catch (error) {
      if ((error as Error)?.name === 'ParameterNotFound') {
        return this.keep({ unavailable: { status: 403, message: `no operator key is stored (${this.parameter}): create one with \`npm run keys -- admin\`` } }, now + retryMs);
      }
      telemetry?.metric(METRICS.keyStoreDegraded, 1);
      telemetry?.log('warn', `cannot read the operator key parameter ${this.parameter}`, { parameter: this.parameter, error: error instanceof Error ? error.name : 'unknown' });
      // A hash read before keeps working through an SSM outage (the operator needs the page most then).
      if (this.policy?.adminKeyHash) return this.keep(this.policy, now + retryMs);
      return this.keep({ unavailable: { status: 503, message: 'the operator key could not be read from SSM; try again shortly' } }, now + retryMs);
    }
  }

  private keep(policy: OperatorPolicy, until: number): OperatorPolicy {
    this.policy = policy;
    this.until = until;
    return policy;
  }
}

/** `npm run keys -- admin` stores `{"hash":"<sha-256 hex>","created":…}`. */
function parseHash(value: string | undefined): string | undefined {
  try {
    const hash = (JSON.parse(value ?? '') as { hash?: unknown })?.hash;
    return typeof hash === 'string' && HASH.test(hash) ? hash : undefined;
  } catch {
    return undefined;
  }
}
