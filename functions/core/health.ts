import { DIMENSIONS, METRICS } from '../config/metric-names.ts';
import { statusPageOf } from '../config/resolve.ts';
import type { ProbeResult, ProviderSettings } from '../ir/dialect.ts';
import { withChaos } from './chaos.ts';
import type { BreakerStore, Clock, Telemetry, Upstream } from './ports.ts';
import type { ResolvedTarget, CompiledConfig } from './compiled-config.ts';
import { readStatusPage, STATUS_PAGE_SEVERITY, type StatusPageFetch, type StatusPageReading } from './status-page.ts';
import { TIMED_OUT, within } from './timers.ts';

/** Consecutive failed probes that open a provider's breakers (RELIABILITY.md §3). */
export const PROBE_FAILURES_TO_OPEN = 2;
export const PROBE_TIMEOUT_MS = 5_000;

export interface ProbeOutcome {
  provider: string;
  ok: boolean;
  latencyMs: number;
  /** A network-level failure (refused, reset, timeout): the fault may be ours, not the provider's. */
  network: boolean;
}

/**
 * What one round of probes means. When every provider fails at the network level the fault is
 * most likely the checker's own network: the round is inconclusive and nothing is written.
 */
export function judgeRound(
  outcomes: ProbeOutcome[],
  streaks: Map<string, number>,
): { inconclusive: boolean; open: string[]; recovered: string[] } {
  const inconclusive = outcomes.length > 1 && outcomes.every((o) => !o.ok && o.network);
  if (inconclusive) return { inconclusive, open: [], recovered: [] };
  const open: string[] = [];
  const recovered: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.ok) {
      streaks.set(outcome.provider, 0);
      recovered.push(outcome.provider);
      continue;
    }
    const streak = (streaks.get(outcome.provider) ?? 0) + 1;
    streaks.set(outcome.provider, streak);
    if (streak >= PROBE_FAILURES_TO_OPEN) open.push(outcome.provider);
  }
  return { inconclusive, open, recovered };
}

export interface HealthDeps {
  compiled: CompiledConfig;
  breakers: BreakerStore;
  telemetry: Telemetry;
  upstream: Upstream;
  clock: Clock;
  /** Failure streak per provider, kept across rounds (and across warm invocations). */
  streaks: Map<string, number>;
  probeTimeoutMs?: number;
  /** Reads providers' status pages (those with `statusPage` configured); absent: none is read. */
  statusPages?: StatusPageFetch;
  statusPageTimeoutMs?: number;
  random?: () => number;
}

export interface HealthRound {
  outcomes: ProbeOutcome[];
  inconclusive: boolean;
  /** Status-page readings by provider name (providers with a configured page only). */
  statusPages: Map<string, StatusPageReading>;
}

/**
 * One round: probe every provider that serves some alias, publish per-provider metrics, open the
 * breakers of providers that failed enough probes in a row, and let recovered ones go half-open.
 * A probe success never closes a breaker: only real traffic does.
 */
export async function runHealthRound(deps: HealthDeps): Promise<HealthRound> {
  const byProvider = new Map<string, { provider: ProviderSettings; targets: ResolvedTarget[] }>();
  for (const alias of deps.compiled.aliases.values()) {
    for (const target of alias.targets) {
      const entry = byProvider.get(target.provider.name) ?? { provider: target.provider, targets: [] };
      if (!entry.targets.some((t) => t.key === target.key)) entry.targets.push(target);
      byProvider.set(target.provider.name, entry);
    }
  }
  const timeout = deps.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  const pages = readStatusPages(deps, [...byProvider.keys()]);
  const outcomes = await Promise.all(
    [...byProvider.values()].map(async ({ provider, targets }): Promise<ProbeOutcome> => {
      const target = targets[0]!;
      const controller = new AbortController();
      const started = deps.clock.now();
      // Injected faults reach the probes too, so a drill shows at L1 as a real outage would.
      const dialect = target.chaos ? withChaos(target.dialect, target.chaos, deps.random) : target.dialect;
      const probe = dialect
        .probe({ provider, model: target.model, forwardHeaders: {} }, { upstream: deps.upstream, signal: controller.signal })
        .catch((): ProbeResult => ({ ok: false, latencyMs: deps.clock.now() - started, failure: { kind: 'connect', message: 'probe threw' } }));
      const result = await within(probe, timeout);
      if (result === TIMED_OUT) {
        controller.abort();
        return { provider: provider.name, ok: false, latencyMs: timeout, network: true };
      }
      const network = !result.ok && (result.failure.kind === 'connect' || result.failure.kind === 'header-timeout');
      return { provider: provider.name, ok: result.ok, latencyMs: result.latencyMs, network };
    }),
  );

  for (const o of outcomes) {
    deps.telemetry.metric(METRICS.probeSuccess, o.ok ? 1 : 0, { [DIMENSIONS.provider]: o.provider });
    deps.telemetry.metric(METRICS.probeLatency, o.latencyMs, { [DIMENSIONS.provider]: o.provider }, 'Milliseconds');
  }
  const verdict = judgeRound(outcomes, deps.streaks);
  if (verdict.inconclusive) {
    deps.telemetry.log('warn', 'health probes inconclusive: every provider failed at the network level; breakers left alone');
  }
  const settingsFor = (key: string) => [...deps.compiled.aliases.values()].find((a) => a.targets.some((t) => t.key === key))!.policy.breaker;
  const writes: Promise<void>[] = [];
  for (const name of verdict.open) {
    for (const t of byProvider.get(name)!.targets) writes.push(deps.breakers.observeProbe(t.key, settingsFor(t.key), false));
  }
  for (const name of verdict.recovered) {
    for (const t of byProvider.get(name)!.targets) writes.push(deps.breakers.observeProbe(t.key, settingsFor(t.key), true));
  }
  await Promise.all(writes);
  const statusPages = await pages;
  for (const [provider, reading] of statusPages) {
    if (reading.level === 'unknown') {
      // Unreadable is not an outage: no datapoint, so the alarm sees missing data (not breaching).
      deps.telemetry.log('warn', `status page of provider ${provider} unreadable: ${reading.error ?? 'unknown'}`, { provider });
      continue;
    }
    deps.telemetry.metric(METRICS.statusPage, STATUS_PAGE_SEVERITY[reading.level], { [DIMENSIONS.provider]: provider });
  }
  return { outcomes, inconclusive: verdict.inconclusive, statusPages };
}

/** Polls the configured status pages of `providers` in parallel, each with its own short bound. */
async function readStatusPages(deps: HealthDeps, providers: string[]): Promise<Map<string, StatusPageReading>> {
  const readings = new Map<string, StatusPageReading>();
  if (!deps.statusPages) return readings;
  const fetchPage = deps.statusPages;
  await Promise.all(
    providers.map(async (name) => {
      const provider = deps.compiled.config.providers[name];
      const page = provider ? statusPageOf(provider) : undefined;
      if (page) readings.set(name, await readStatusPage(fetchPage, page, deps.statusPageTimeoutMs));
    }),
  );
  return readings;
}

/**
 * A whole health check as the scheduled function and the local server run it: one round, then the
 * BreakerOpen gauge of every breaker (so the L2 alarm sees state without traffic) and the heartbeat
 * (its absence pages).
 */
export async function runHealthCheck(deps: HealthDeps): Promise<HealthRound> {
  const round = await runHealthRound(deps);
  for (const breaker of await deps.breakers.list()) {
    // A half-open breaker waits for a request to probe it (a fallback nobody needs once the primary
    // is back may wait for hours): not traffic routed around, so it must not hold the L2 alarm.
    const open = breaker.forced === 'open' || (breaker.forced === 'auto' && breaker.state === 'open');
    deps.telemetry.metric(METRICS.breakerOpen, open ? 1 : 0, { [DIMENSIONS.target]: breaker.target });
  }
  deps.telemetry.metric(METRICS.healthHeartbeat, 1);
  return round;
}
