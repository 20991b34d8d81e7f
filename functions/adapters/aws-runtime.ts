import type { BreakerStore, Clock, Telemetry, Upstream } from '../core/ports.ts';
import { createProxy, type Proxy } from '../core/proxy.ts';
import type { CompiledConfig } from '../core/compiled-config.ts';
import { ingressDialects } from '../dialects/registry.ts';
import { createAwsRoutingState, FLUSH_BOUND_MS, type AwsEnvironment, type AwsStateOverrides } from './aws-routing-state.ts';
import { DynamoResponseStore } from './dynamo-response-store.ts';
import { httpUpstream } from './http-upstream.ts';
import { ssmAuthorize } from './ssm-client-keys.ts';
import { DynamoSpendStore } from './dynamo-spend-store.ts';
import { SpendLedger } from '../core/budgets/spend-ledger.ts';
import type { AwsStatusPage, AwsStatusParts } from './aws-status-page.ts';
import { fanOutTelemetry } from './fan-out-telemetry.ts';

export type { AwsEnvironment } from './aws-routing-state.ts';

/** Routes the proxy serves besides inference (the health checker serves none, and its bundle carries none). */
export interface AwsRoutes {
  /** The live status page (adapters/aws-status-page.ts), built from this runtime's clients. */
  statusPage?: (parts: AwsStatusParts) => AwsStatusPage;
}

/** Test seams: clients pointed at loopback fakes, a fake clock, a recording telemetry, the upstream. */
export interface AwsOverrides extends AwsStateOverrides {
  upstream?: Upstream;
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

/**
 * Upper bound on waiting for shadow calls at the end of an invocation (the invocation is billed
 * meanwhile). Each shadow is already bounded by its own timeoutMs and the request deadline.
 */
const SHADOW_SETTLE_BOUND_MS = 30_000;

/**
 * The proxy's composition root on Lambda: the request path on the routing state it shares with the
 * health checker (aws-routing-state.ts). Everything is created at init — the first SSM read, the
 * route compilation — so the first request after a cold start waits only for what is still in flight.
 */
export function createAwsRuntime(env: AwsEnvironment, overrides: AwsOverrides = {}, routes: AwsRoutes = {}): AwsRuntime {
  const state = createAwsRoutingState(env, overrides);
  const { breakers, telemetry, clock, ssm, dynamo, table, keysPath } = state;
  // Budget spend shares the breaker table under its own key prefix (adapters/dynamo-spend-store.ts).
  const spend = new SpendLedger({ store: new DynamoSpendStore({ client: dynamo, table }), clock, telemetry });
  const statusPage = routes.statusPage?.({ ssm, dynamo, table, keysPath, clock, telemetry, compiled: state.compiled });

  const ready = (async () => {
    await state.ready();
    return createProxy({
      compiled: state.compiled,
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
    compiled: state.compiled,
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
