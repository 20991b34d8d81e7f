import type { HeaderReader } from '../core/exchange.ts';
import type { GetParametersByPathResult, Parameter } from '@aws-sdk/client-ssm';
import { METRICS } from '../config/metric-names.ts';
import type { AwsJsonCalls } from './aws-json-client.ts';
import { createAuthorize, parseClientKeyRecord, type ClientKeyRecord, type ClientKeyStore, type KeyLookup } from '../core/client-keys.ts';
import { systemClock, type Clock, type Telemetry } from '../core/ports.ts';
import type { Authorization } from '../core/proxy.ts';

export interface SsmClientKeysOptions {
  /** Parameter Store: on Lambda a signed call (`AwsJsonClient`), not the SDK client, for the cold start. */
  client: AwsJsonCalls;
  /** Env UNDERSTUDY_KEYS_PATH, e.g. `/understudy/keys`; records live under `<keysPath>/clients/<id>`. */
  keysPath: string;
  telemetry?: Telemetry;
  clock?: Clock;
  /** How long the loaded key set is served before it is reloaded (in the background); default 60 s. */
  ttlMs?: number;
  /**
   * An unknown id reloads the set at most this often (a key created a moment ago works within
   * this bound, while random ids from a scanner cannot drive SSM calls); default 10 s.
   */
  missReloadMs?: number;
  /** Bound of one GetParametersByPath page; default 3 s. */
  fetchTimeoutMs?: number;
}

/**
 * Client key records from SSM: the whole set under `<keysPath>/clients` is read with one
 * (paginated) GetParametersByPath and kept in memory, so verifying a key costs no SSM call and the
 * number of SSM calls does not grow with traffic or with guessed ids. When SSM fails, the last
 * loaded set keeps serving; before any set was loaded, lookups answer `unavailable`.
 */
export class SsmClientKeys implements ClientKeyStore {
  private records: Map<string, ClientKeyRecord> | undefined;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private readonly options: SsmClientKeysOptions;
  private readonly clock: Clock;

  constructor(options: SsmClientKeysOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
  }

  async lookup(id: string): Promise<KeyLookup> {
    const now = this.clock.now();
    const missReload = this.options.missReloadMs ?? 10_000;
    if (!this.records) {
      // Nothing loaded yet: wait for a read, but do not hammer an SSM that just failed.
      if (this.inFlight || now - this.attemptedAt >= missReload) await this.reload();
    } else if (now - this.attemptedAt >= (this.options.ttlMs ?? 60_000)) void this.reload();

    let record = this.records?.get(id);
    if (!record && this.records && this.clock.now() - this.attemptedAt >= missReload) {
      await this.reload();
      record = this.records.get(id);
    }
    if (record) return { status: 'found', record };
    return this.records ? { status: 'unknown' } : { status: 'unavailable' };
  }

  /** Reads the whole set now (joins a read already running). Never rejects. */
  reload(): Promise<void> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<void> {
    const { client, keysPath, telemetry } = this.options;
    const path = `${keysPath}/clients`;
    this.attemptedAt = this.clock.now();
    const parameters: Parameter[] = [];
    try {
      let token: string | undefined;
      do {
        const page = await client.call<GetParametersByPathResult>(
          'GetParametersByPath',
          { Path: path, Recursive: false, WithDecryption: true, MaxResults: 10, ...(token ? { NextToken: token } : {}) },
          AbortSignal.timeout(this.options.fetchTimeoutMs ?? 3000),
        );
        parameters.push(...(page.Parameters ?? []));
        token = page.NextToken;
      } while (token);
    } catch (error) {
      telemetry?.metric(METRICS.keyStoreDegraded, 1);
      telemetry?.log('warn', `cannot read the client keys under ${path}${this.records ? '; serving the last loaded set' : ''}`, {
        path,
        error: error instanceof Error ? error.name : 'unknown',
      });
      return;
    }
    const records = new Map<string, ClientKeyRecord>();
    for (const parameter of parameters) {
      const id = parameter.Name?.slice(path.length + 1) ?? '';
      const record = parseClientKeyRecord(parameter.Value ?? '');
      if (record) records.set(id, record);
      else telemetry?.log('error', `client key record ${parameter.Name} is not a valid record; that key is refused`, { parameter: parameter.Name });
    }
    this.records = records;
    this.loadedAt = this.attemptedAt;
  }

  /** When the set in memory was read (ms since the epoch; -Infinity before the first read). */
  loadedAtMs(): number {
    return this.loadedAt;
  }
}

/** The proxy's `authorize` dependency backed by SSM client key records (auth mode `api-keys`). */
export function ssmAuthorize(options: SsmClientKeysOptions): (headers: HeaderReader, dialect: 'openai' | 'anthropic') => Promise<Authorization> {
  return createAuthorize(new SsmClientKeys(options));
}
