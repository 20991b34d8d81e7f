import type { GetParameterResult } from '@aws-sdk/client-ssm';
import type { ConfigResult } from '../config/load.ts';
import { METRICS } from '../config/metric-names.ts';
import type { Config } from '../config/schema.ts';
import { sealOf, unseal } from '../config/sealed.ts';
import { systemClock, type Clock, type Telemetry } from '../core/ports.ts';
import type { AwsJsonCalls } from './aws-json-client.ts';

export interface SsmConfigSourceOptions {
  /** Parameter Store: on Lambda a signed call (`AwsJsonClient`), not the SDK client, for the cold start. */
  client: AwsJsonCalls;
  /** The String parameter holding the validated config JSON (env UNDERSTUDY_CONFIG_PARAMETER). */
  parameterName: string;
  /**
   * The copy bundled at deploy (env UNDERSTUDY_BUNDLED_CONFIG, JSON text) or an already validated
   * Config. It is the first copy served, so a cold start with SSM unreachable still works.
   */
  bundled: string | Config;
  telemetry: Telemetry;
  clock?: Clock;
  /** Uniform in [0, 1); injected so the TTL jitter can be tested. */
  random?: () => number;
  /** Refresh period; default 60 s. */
  ttlMs?: number;
  /** Each period is ttl × (1 ± jitter); default 0.2, so instances do not refresh in lockstep. */
  jitter?: number;
  /** How long `create` waits for SSM before serving the bundled copy; default 1 s. */
  coldStartWaitMs?: number;
  /** Bound of one GetParameter call (a hung SSM must not hold the refresh forever); default 5 s. */
  fetchTimeoutMs?: number;
  /** Called whenever a different valid document replaces the current one (recompile routes). */
  onChange?: (config: Config) => void;
}

/** What one refresh did. */
export type RefreshOutcome = 'updated' | 'unchanged' | 'rejected' | 'failed';

/**
 * The configuration from SSM Parameter Store, served stale-while-revalidate: `current()` answers
 * synchronously from memory and starts a background refresh when the jittered TTL has passed, so
 * a request never waits for SSM. A fetched document replaces the current one only when it
 * validates as a whole; on any SSM failure the last good copy keeps serving (RELIABILITY.md §5).
 */
export class SsmConfigSource {
  private config: Config;
  /** The bundled copy's seal: an SSM document sealed alike is trusted without the schema. */
  private readonly seal: string | undefined;
  private text: string | undefined;
  private version: number | undefined;
  private dueAt: number;
  private inFlight: Promise<RefreshOutcome> | undefined;
  private readonly options: SsmConfigSourceOptions;
  private readonly clock: Clock;
  private readonly random: () => number;

  private constructor(options: SsmConfigSourceOptions, bundled: { config: Config; seal?: string }) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.config = bundled.config;
    this.seal = bundled.seal;
    this.dueAt = this.clock.now();
  }

  /**
   * Cold start: tries SSM once for at most `coldStartWaitMs` and otherwise serves the bundled copy.
   * A fetch slower than the wait keeps going in the background and is adopted (with `onChange`)
   * when it lands. Throws only when the bundled copy itself is invalid (a broken deploy).
   */
  static async create(options: SsmConfigSourceOptions): Promise<SsmConfigSource> {
    const source = new SsmConfigSource(options, await bundledConfig(options.bundled));
    const first = source.refresh();
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.coldStartWaitMs ?? 1000);
    });
    await Promise.race([first, wait]);
    clearTimeout(timer);
    return source;
  }

  /** The configuration in force; starts a background refresh when one is due. */
  current(): Config {
    if (!this.inFlight && this.clock.now() >= this.dueAt) void this.refresh();
    return this.config;
  }

  /** When the next background refresh is due (ms since the epoch). */
  nextRefreshAt(): number {
    return this.dueAt;
  }

  /** Fetches the parameter now (joins a refresh already running). Never rejects. */
  refresh(): Promise<RefreshOutcome> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<RefreshOutcome> {
    const { client, parameterName, telemetry } = this.options;
    let text: string;
    let version: number | undefined;
    try {
      const out = await client.call<GetParameterResult>('GetParameter', { Name: parameterName }, AbortSignal.timeout(this.options.fetchTimeoutMs ?? 5000));
      text = out.Parameter?.Value ?? '';
      version = out.Parameter?.Version;
    } catch (error) {
      this.schedule();
      telemetry.metric(METRICS.configSourceDegraded, 1);
      telemetry.log('warn', `cannot read the configuration parameter ${parameterName}; serving the last good copy`, { parameter: parameterName, error: describe(error) });
      return 'failed';
    }
    this.schedule();
    if (text === this.text) return 'unchanged';

    const parsed = await readDocument(text, this.seal);
    if (!parsed.ok) {
      telemetry.metric(METRICS.configRejected, 1);
      // The stack's L1 alarm watches ConfigSourceDegraded: a rejected push needs the operator too.
      telemetry.metric(METRICS.configSourceDegraded, 1);
      telemetry.log('error', `configuration in ${parameterName} rejected, keeping the last good copy: ${parsed.errors.join('; ')}`, {
        parameter: parameterName,
        version,
        errors: parsed.errors,
      });
      return 'rejected';
    }
    const changed = this.text !== undefined || JSON.stringify(parsed.config) !== JSON.stringify(this.config);
    this.config = parsed.config;
    this.text = text;
    this.version = version;
    if (!changed) return 'unchanged';
    telemetry.log('info', `configuration loaded from ${parameterName}`, { parameter: parameterName, version });
    try {
      this.options.onChange?.(parsed.config);
    } catch (error) {
      // The new document is in force either way; a listener's bug must not kill the refresh loop.
      telemetry.log('error', 'configuration change listener failed', { error: describe(error) });
    }
    return 'updated';
  }

  /** The SSM version of the document in force (undefined while the bundled copy serves). */
  currentVersion(): number | undefined {
    return this.version;
  }

  private schedule(): void {
    const ttl = this.options.ttlMs ?? 60_000;
    const jitter = this.options.jitter ?? 0.2;
    this.dueAt = this.clock.now() + Math.round(ttl * (1 + jitter * (2 * this.random() - 1)));
  }
}

async function bundledConfig(bundled: string | Config): Promise<{ config: Config; seal?: string }> {
  if (typeof bundled !== 'string') return { config: bundled };
  let document: unknown;
  try {
    document = JSON.parse(bundled);
  } catch (error) {
    throw new Error(`the bundled configuration is not JSON: ${(error as Error).message}`);
  }
  // Sealed at synth by this very build: trusted as it is.
  const sealed = unseal(document);
  if (sealed) return { config: sealed, seal: sealOf(document) };
  const result = await validated(document);
  if (!result.ok) throw new Error(`the bundled configuration is invalid:\n  ${result.errors.join('\n  ')}`);
  return { config: result.config };
}

/** A fetched document: trusted when sealed like the bundled copy, validated in full otherwise. */
async function readDocument(text: string, seal: string | undefined): Promise<ConfigResult> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`not valid JSON: ${(error as Error).message}`] };
  }
  const sealed = seal ? unseal(document, seal) : undefined;
  return sealed ? { ok: true, config: sealed } : validated(document);
}

/** The full validation, loaded on demand: the schema (zod) is most of the bundle and of its start. */
async function validated(document: unknown): Promise<ConfigResult> {
  const { validateConfig } = await import('../config/load.ts');
  return validateConfig(document);
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
