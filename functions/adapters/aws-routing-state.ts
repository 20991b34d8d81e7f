import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config/schema.ts';
import { systemClock, type Clock, type Telemetry } from '../core/ports.ts';
import { compileConfig, type CompiledConfig } from '../core/compiled-config.ts';
import { providerDialects } from '../dialects/registry.ts';
import { lazyBreakerClient, type ClientSource } from './aws-sdk-lazy.ts';
import { AwsJsonClient, SSM_SERVICE, type AwsJsonCalls } from './aws-json-client.ts';
import { DynamoBreakerStore } from './dynamo-breaker-store.ts';
import { EmfTelemetry } from './emf-telemetry.ts';
import { SsmConfigSource } from './ssm-config-source.ts';
import { SsmSecrets } from './ssm-secrets.ts';

/** The environment the stack gives both functions (infra/understudy-stack.ts). */
export interface AwsEnvironment {
  UNDERSTUDY_CONFIG_PARAMETER?: string;
  UNDERSTUDY_BREAKER_TABLE?: string;
  UNDERSTUDY_KEYS_PATH?: string;
  UNDERSTUDY_BUNDLED_CONFIG?: string;
  UNDERSTUDY_AUTH_MODE?: string;
  [name: string]: string | undefined;
}

/** Test seams: clients pointed at loopback fakes, a fake clock, a recording telemetry. */
export interface AwsStateOverrides {
  ssm?: AwsJsonCalls;
  dynamo?: DynamoDBClient;
  clock?: Clock;
  random?: () => number;
  telemetry?: Telemetry & { flush?: () => void };
  /** The config parameter's refresh period (default 60 s). */
  configTtlMs?: number;
}

/** What both functions decide on: the compiled configuration and the shared breakers. */
export interface AwsRoutingState {
  /** Resolves once a configuration is compiled (SSM, or the bundled copy when SSM is slow or down). */
  ready(): Promise<void>;
  /** The compiled configuration in force (after ready); asking also lets a due configuration refresh start. */
  compiled(): CompiledConfig;
  breakers: DynamoBreakerStore;
  telemetry: Telemetry & { flush?: () => void };
  clock: Clock;
  /** Parameter Store (signed calls) and the table's client, for what the proxy builds on top. */
  ssm: AwsJsonCalls;
  dynamo: ClientSource<DynamoDBClient>;
  table: string;
  keysPath: string;
}

/** How often the configuration is recompiled even without a config change (provider key rotation). */
const RECOMPILE_MS = 5 * 60_000;
/** Upper bound on waiting for breaker writes at the end of an invocation. */
export const FLUSH_BOUND_MS = 300;

/**
 * The part of the Lambda composition both functions share: the configuration (SSM, with the
 * bundled copy for static stability), its compilation with the provider keys, and the breakers
 * in the table. The proxy builds the request path on it (aws-runtime.ts); the health checker uses
 * it alone, so its bundle carries none of the ingress dialects, the attempt loop or the status page.
 * The first SSM read and the compilation start here, at init.
 */
export function createAwsRoutingState(env: AwsEnvironment, overrides: AwsStateOverrides = {}): AwsRoutingState {
  const parameterName = required(env, 'UNDERSTUDY_CONFIG_PARAMETER');
  const bundled = required(env, 'UNDERSTUDY_BUNDLED_CONFIG');
  const table = required(env, 'UNDERSTUDY_BREAKER_TABLE');
  const keysPath = env.UNDERSTUDY_KEYS_PATH ?? '/understudy/keys';
  const clock = overrides.clock ?? systemClock;
  const telemetry = overrides.telemetry ?? new EmfTelemetry();
  // Parameter Store through signed JSON calls, not the SDK client: the config and the keys are read
  // before the first request can be served, so the SDK's import would be paid by every cold start.
  // The DynamoDB client is created on first use, by the first background read of a breaker view.
  const ssm = overrides.ssm ?? new AwsJsonClient(SSM_SERVICE, env);
  const secrets = new SsmSecrets({ client: ssm, env, telemetry, clock });

  let inForce: CompiledConfig | undefined;
  let source: SsmConfigSource | undefined;
  let compiled = 0;
  let compiledAt = 0;
  const compile = async (config: Config): Promise<void> => {
    const ticket = ++compiled;
    compiledAt = clock.now();
    const next = await compileConfig(config, secrets, providerDialects);
    // A slower compilation of an older document must not replace a newer one.
    if (ticket !== compiled) return;
    inForce = next;
    for (const warning of next.warnings) telemetry.log('warn', warning);
    // Requests decide on the instance's breaker views: start reading them before the first one.
    breakers.prefetch(targets());
  };
  const targets = () => [...new Set([...(inForce?.aliases.values() ?? [])].flatMap((alias) => alias.targets.map((t) => t.key)))];

  // One DynamoDB client (created on first use) for everything in the table.
  const dynamo = overrides.dynamo ?? lazyBreakerClient();
  const breakers = new DynamoBreakerStore({
    client: dynamo,
    table,
    clock,
    telemetry,
    targets,
    ...(overrides.random ? { random: overrides.random } : {}),
  });

  const current = (): CompiledConfig => {
    const config = source?.current();
    // Provider keys are resolved at compilation: recompile now and then so a rotated key is seen.
    if (config && clock.now() - compiledAt > RECOMPILE_MS) void compile(config).catch(() => {});
    return inForce!;
  };

  const ready = (async () => {
    source = await SsmConfigSource.create({
      client: ssm,
      parameterName,
      bundled,
      telemetry,
      clock,
      ...(overrides.configTtlMs !== undefined ? { ttlMs: overrides.configTtlMs } : {}),
      onChange: (config) => void compile(config).catch((error: unknown) => telemetry.log('error', 'route compilation failed', { error: String(error) })),
    });
    await compile(source.current());
  })();
  // Surfaced by the first request that awaits it; never an unhandled rejection at init.
  ready.catch(() => {});

  return { ready: () => ready, compiled: current, breakers, telemetry, clock, ssm, dynamo, table, keysPath };
}

function required(env: AwsEnvironment, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: the stack sets it on every function`);
  return value;
}
