import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConsoleTelemetry } from '../adapters/console-telemetry.ts';
import { envSecrets } from '../adapters/env-secrets.ts';
import { httpUpstream } from '../adapters/http-upstream.ts';
import { DIMENSIONS, METRICS } from '../config/metric-names.ts';
import { validateConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { RunningConfig } from '../core/admin.ts';
import { MemoryBreakerStore } from '../core/breaker/memory-store.ts';
import { systemClock, type BreakerStore, type Clock, type Secrets, type Telemetry, type Upstream } from '../core/ports.ts';
import { createProxy, type ProxyDeps } from '../core/proxy.ts';
import { compileConfig, type CompiledConfig } from '../core/compiled-config.ts';
import { ingressDialects, providerDialects } from '../dialects/registry.ts';
import { hashAdminKey } from '../core/operator-auth.ts';
import { isLoopbackHost } from '../config/schema.ts';
import { createBoundedServer, type ServerLimits } from './http-server.ts';
import { runHealthCheck, type HealthRound } from '../core/health.ts';
import type { StatusPageFetch } from '../core/status-page.ts';
import { MemoryResponseStore } from '../core/memory-response-store.ts';
import { fanOutTelemetry } from '../adapters/fan-out-telemetry.ts';
import { StatusBoard } from '../core/status-board.ts';
import { handleStatus, STATUS_OPEN_PATHS, STATUS_PATHS } from '../core/status-route.ts';
import { nodeHandler } from './node-http.ts';
import { MemorySpendStore } from '../core/budgets/memory-spend-store.ts';
import { SpendLedger } from '../core/budgets/spend-ledger.ts';

export interface LocalServerOptions {
  config: Config;
  port?: number;
  host?: string;
  secrets?: Secrets;
  telemetry?: Telemetry;
  breakers?: BreakerStore;
  upstream?: Upstream;
  clock?: Clock;
  random?: () => number;
  /** Client-key check (required off loopback); absent: no authentication. */
  authorize?: ProxyDeps['authorize'];
  /** The operator (admin) key; absent: the operator routes answer on loopback only. */
  adminKey?: string;
  /** Host names a keyless server answers to besides loopback names (a hosts-file alias). */
  allowedHosts?: readonly string[];
  /** Socket bounds: header and request timeouts, connections at once. */
  limits?: Partial<ServerLimits>;
  /**
   * The health checker in process, as the scheduled function runs it on AWS: every `intervalMs`
   * when given (otherwise only when `healthCheck()` is called); `statusPages` reads providers' pages.
   */
  health?: { intervalMs?: number; statusPages?: StatusPageFetch };
  /** Budget spend; default: in this process's memory. */
  spend?: SpendLedger;
}

/** How long close() waits for shadow calls still in flight. */
const SHADOW_CLOSE_BOUND_MS = 2_000;

export interface LocalServer {
  url: string;
  /** The compiled configuration in force (replaced by `PUT /admin/config`). */
  readonly compiled: CompiledConfig;
  breakers: BreakerStore;
  /** Budget spend as this server sees it. */
  spend: SpendLedger;
  server: Server;
  /** One health check now: probes, status pages, breaker gauges, heartbeat. */
  healthCheck(): Promise<HealthRound>;
  close(): Promise<void>;
}

/** The composition root of the local server: the same core as Lambda, with local adapters. */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const clock = options.clock ?? systemClock;
  const telemetry = options.telemetry ?? new ConsoleTelemetry();
  const secrets = options.secrets ?? envSecrets(process.env);
  let compiled = await compileConfig(options.config, secrets, providerDialects);
  // The live status page reads what the log line reads (core/status-board.ts).
  const board: { current?: StatusBoard } = {};
  const observed = fanOutTelemetry(telemetry, { request: (r) => board.current?.request(r), metric: () => {}, log: () => board.current?.log() });
  const running: RunningConfig = {
    current: () => compiled.config,
    async replace(document, guard) {
      const validated = validateConfig(document);
      if (!validated.ok) return validated;
      const refused = guard?.(compiled.config, validated.config);
      if (refused) return { ok: false, errors: [refused], forbidden: true };
      compiled = await compileConfig(validated.config, secrets, providerDialects);
      for (const warning of compiled.warnings) observed.log('warn', warning);
      observed.log('info', 'configuration replaced through the admin API');
      return { ok: true, warnings: compiled.warnings };
    },
  };
  const breakers =
    options.breakers ??
    new MemoryBreakerStore({
      clock,
      onTransition: (target, from, to) => {
        observed.metric(METRICS.breakerTransitions, 1, { [DIMENSIONS.target]: target });
        observed.log('warn', `breaker ${target}: ${from} → ${to}`, { target, from, to });
      },
    });
  board.current = new StatusBoard({ clock, breakers, compiled: () => compiled });
  const operator = options.adminKey ? { adminKeyHash: hashAdminKey(options.adminKey) } : {};
  const spend = options.spend ?? new SpendLedger({ store: new MemorySpendStore(), clock, telemetry });
  const proxy = createProxy({
    compiled: () => compiled,
    breakers,
    upstream: options.upstream ?? httpUpstream,
    telemetry: observed,
    clock,
    ...(options.random ? { random: options.random } : {}),
    ingress: ingressDialects,
    admin: { config: running, operator },
    status: { paths: STATUS_PATHS, open: STATUS_OPEN_PATHS, serve: (path, { signal }) => handleStatus(path, board.current!, signal ? { signal } : {}), operator },
    // Without client keys, answer only to the names this server was told to (DNS rebinding).
    ...(options.authorize ? { authorize: options.authorize } : { allowedHosts: hostNames(options) }),
    responseStore: new MemoryResponseStore(clock),
    spend,
  });
  const server = createBoundedServer(nodeHandler(proxy.handle, proxy.refuse), { ...(options.limits ? { limits: options.limits } : {}), render: proxy.refuse });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const streaks = new Map<string, number>();
  const healthCheck = async () => {
    const round = await runHealthCheck({
      compiled,
      breakers,
      telemetry: observed,
      upstream: options.upstream ?? httpUpstream,
      clock,
      streaks,
      ...(options.health?.statusPages ? { statusPages: options.health.statusPages } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    board.current?.recordStatusPages(round.statusPages);
    return round;
  };
  const interval = options.health?.intervalMs;
  const timer = interval
    ? setInterval(() => void healthCheck().catch((error: unknown) => telemetry.log('error', 'health check failed', { error: String(error) })), interval).unref()
    : undefined;
  return {
    url: `http://${host}:${port}`,
    get compiled() {
      return compiled;
    },
    breakers,
    spend,
    server,
    healthCheck,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      // Shadow calls may still be reading; give their comparison log lines a moment to land.
      await proxy.settleShadows(SHADOW_CLOSE_BOUND_MS);
    },
  };
}

function hostNames(options: LocalServerOptions): Set<string> {
  const names = new Set((options.allowedHosts ?? []).map((name) => name.toLowerCase()));
  const bound = options.host?.replace(/^\[|\]$/g, '').toLowerCase();
  if (bound && bound !== '0.0.0.0' && bound !== '::' && !isLoopbackHost(bound)) names.add(bound);
  return names;
}
