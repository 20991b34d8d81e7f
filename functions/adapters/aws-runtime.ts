import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config/schema.ts';
import { systemClock, type BreakerStore, type Clock, type Telemetry, type Upstream } from '../core/ports.ts';
import { createProxy, type Proxy } from '../core/proxy.ts';
import { compileConfig, type CompiledConfig } from '../core/compiled-config.ts';
import { ingressDialects, providerDialects } from '../dialects/registry.ts';
import { lazyBreakerClient } from './aws-sdk-lazy.ts';
import { AwsJsonClient, SSM_SERVICE, type AwsJsonCalls } from './aws-json-client.ts';
import { DynamoBreakerStore } from './dynamo-breaker-store.ts';
import { DynamoResponseStore } from './dynamo-response-store.ts';
import { EmfTelemetry } from './emf-telemetry.ts';
import { httpUpstream } from './http-upstream.ts';
import { ssmAuthorize } from './ssm-client-keys.ts';
import { SsmConfigSource } from './ssm-config-source.ts';
import { SsmSecrets } from './ssm-secrets.ts';
import { DynamoSpendStore } from './dynamo-spend-store.ts';
import { SpendLedger } from '../core/budgets/spend-ledger.ts';
import type { AwsStatusPage, AwsStatusParts } from './aws-status-page.ts';
import { fanOutTelemetry } from './fan-out-telemetry.ts';

/** The environment the stack gives both functions (infra/understudy-stack.ts). */
export interface AwsEnvironment {
  UNDERSTUDY_CONFIG_PARAMETER?: string;
  UNDERSTUDY_BREAKER_TABLE?: string;
  UNDERSTUDY_KEYS_PATH?: string;
  UNDERSTUDY_BUNDLED_CONFIG?: string;
  UNDERSTUDY_AUTH_MODE?: string;
  [name: string]: string | undefined;
}

/** Routes the proxy serves besides inference (the health checker serves none, and its bundle carries none). */
export interface AwsRoutes {
  /** The live status page (adapters/aws-status-page.ts), built from this runtime's clients. */
  statusPage?: (parts: AwsStatusParts) => AwsStatusPage;
}

/** Test seams: clients pointed at loopback fakes, a fake clock, a recording telemetry. */
export interface AwsOverrides {
  ssm?: AwsJsonCalls;
  dynamo?: DynamoDBClient;
  upstream?: Upstream;
  clock?: Clock;
  random?: () => number;
  telemetry?: Telemetry & { flush?: () => void };
  /** The config parameter's refresh period (default 60 s). */
  configTtlMs?: number;
}

export interface AwsRuntime {
  /** Resolves once a configuration is compiled (SSM, or the bundled copy when SSM is slow or down). */
  ready(): Promise<Proxy>;
  /** The compiled configuration in force (after ready); asking also lets a due configuration refresh start. */
  compiled(): CompiledConfig;
  breakers: BreakerStore;
  /** Budget spend of this instance, shared through the table. */
  spend: SpendLedger;
  telemetry: Telemetry & { flush?: () => void };
  clock: Clock;
  /**
   * Awaits the shadow calls in flight, then the outcome writes (both bounded), and publishes the
   * metrics: Lambda freezes after the handler. `deadline` (ms since epoch) caps the shadow wait.
   */
  afterRequest(deadline?: number): Promise<void>;
}

/** How often the configuration is recompiled even without a config change (provider key rotation). */
const RECOMPILE_MS = 5 * 60_000;
/** Upper bound on waiting for breaker writes at the end of an invocation. */
const FLUSH_BOUND_MS = 300;
/**
 * Upper bound on waiting for shadow calls at the end of an invocation (the invocation is billed
 * meanwhile). Each shadow is already bounded by its own timeoutMs and the request deadline.
 */
const SHADOW_SETTLE_BOUND_MS = 30_000;

/**
 * The composition root on Lambda, shared by the proxy and the health checker. Everything is
 * created at init — clients, the first SSM read, the route compilation — so the first request
 * after a cold start waits only for what is still in flight.
 */
export function createAwsRuntime(env: AwsEnvironment, overrides: AwsOverrides = {}, routes: AwsRoutes = {}): AwsRuntime {
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

  // One DynamoDB client (created on first use) for the breakers and the response store.
  const dynamo = overrides.dynamo ?? lazyBreakerClient();
  // Budget spend shares the breaker table under its own key prefix (adapters/dynamo-spend-store.ts).
  const spend = new SpendLedger({ store: new DynamoSpendStore({ client: dynamo, table }), clock, telemetry });
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

  const statusPage = routes.statusPage?.({ ssm, dynamo, table, keysPath, clock, telemetry, compiled: current });

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
    return createProxy({
      compiled: current,
      breakers,
      upstream: overrides.upstream ?? httpUpstream,
      telemetry: statusPage ? fanOutTelemetry(telemetry, statusPage.observer) : telemetry,
      clock,
      ...(overrides.random ? { random: overrides.random } : {}),
      ingress: ingressDialects,
      responseStore: new DynamoResponseStore({ client: dynamo, table, clock, telemetry }),
      spend,
      ...(env.UNDERSTUDY_AUTH_MODE === 'aws-iam' ? {} : { authorize: ssmAuthorize({ client: ssm, keysPath, telemetry, clock }) }),
      ...(statusPage ? { status: statusPage.status } : {}),
    });
  })();
  // Surfaced by the first request that awaits it; never an unhandled rejection at init.
  ready.catch(() => {});

  return {
    ready: () => ready,
    compiled: current,
    breakers,
    spend,
    telemetry,
    clock,
    async afterRequest(deadline?: number) {
      const proxy = await ready.catch(() => undefined);
      const bound = Math.min(SHADOW_SETTLE_BOUND_MS, deadline !== undefined ? Math.max(0, deadline - clock.now()) : Infinity);
      await proxy?.settleShadows(bound);
      await Promise.all([breakers.flush(FLUSH_BOUND_MS), spend.flushIfDue(FLUSH_BOUND_MS)]);
      telemetry.flush?.();
    },
  };
}

function required(env: AwsEnvironment, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: the stack sets it on every function`);
  return value;
}
