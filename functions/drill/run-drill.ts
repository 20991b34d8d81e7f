import { validateConfig } from '../config/load.ts';
import type { BreakerSettings } from '../config/schema.ts';
import { sleep } from '../core/timers.ts';
import type { AlarmReader, AlarmSeen } from './alarms.ts';
import type { Exchange } from './client.ts';
import type { ConfigControl } from './config-control.ts';
import { aliasesSharing, chainOf, withFault, withoutFault } from './fault.ts';
import type { Check, DrillReport, StepName, StepReport } from './report.ts';

/** What the drill sends requests through (client.ts in practice). */
export interface DrillTraffic {
  send(stream: boolean, signal?: AbortSignal): Promise<Exchange>;
}

/** Forces a target's breaker (the local server's /admin/breakers, or the breaker table). */
export interface BreakerControl {
  readonly description: string;
  force(target: string, mode: 'open' | 'auto', signal?: AbortSignal): Promise<void>;
}

export interface DrillDeps {
  traffic: DrillTraffic;
  control: ConfigControl;
  /** Needed for `fault: 'breaker'`: the primary's breaker is forced open instead of injecting errors. */
  breakers?: BreakerControl;
  /** Present against a deployed stack: the L2 alarm is expected to fire during the fault and clear after. */
  alarms?: AlarmReader;
  /** The status line while a step runs. */
  progress?: (line: string) => void;
  /** Each step's report as soon as it ends. */
  onStep?: (step: StepReport) => void;
  /** Ctrl-C, or the canary's remaining time: stop, restore, report. */
  signal?: AbortSignal;
  now?: () => number;
}

export interface DrillOptions {
  alias: string;
  url: string;
  /** Requests that must be served by the primary before the fault (default 3). */
  baselineRequests?: number;
  /** Pause between requests while waiting for something to change (default 1 s). */
  intervalMs?: number;
  /**
   * Failed primary attempts beyond `consecutiveFailures` still accepted before the breaker is seen
   * open: 0 on one local server; more on a fleet sharing DynamoDB, where each instance refreshes
   * its view of the breaker about once a second.
   */
  openSlack?: number;
  /** Inject even when other aliases use the primary's provider (a real game day). */
  allowShared?: boolean;
  /**
   * `errors` (default): every attempt on the primary's provider answers 503 (chaos in the config),
   * so the breaker must open by itself. `breaker`: the primary's breaker is forced open (nothing
   * fails; the failover path and the status page are exercised without a single error).
   */
  fault?: 'errors' | 'breaker';
  /** How long to wait for the L2 alarm to fire, and then to clear (default 6 min each). */
  alarmTimeoutMs?: number;
  /** Between two alarm reads, while traffic keeps flowing (default 20 s). */
  alarmPollMs?: number;
}

const DEFAULTS = { baselineRequests: 3, intervalMs: 1_000, openSlack: 0, alarmTimeoutMs: 6 * 60_000, alarmPollMs: 20_000 };
/**
 * Against a deployed fleet: each instance refreshes its view of the breaker about once a second,
 * so a few more failures may land before all see the breaker open; requests are spaced wider, the config taking ~75 s to arrive.
 */
export const FLEET_OPTIONS = { openSlack: 3, intervalMs: 2_000 } as const;
/** The open period's jitter (RELIABILITY.md §2). */
const OPEN_JITTER = 1.2;
/** Restoring gets its own bound: it must happen even after an interruption. */
const RESTORE_TIMEOUT_MS = 30_000;
/** Requests during the fault that say nothing about the primary (unanswered) before the drill gives up. */
const MAX_UNCOUNTED = 10;

class Interrupted extends Error {}

/**
 * A scripted game day (shared/seeds: "a failover you have never tested is a failover you do not
 * have"): baseline on the primary, a fault injected into the primary through the configuration,
 * failover and breaker checked from the response headers, a streamed answer through the fallback,
 * the L2 alarm when a stack is named, recovery through the half-open probe, and the fault always
 * removed again, whatever happens.
 */
export async function runDrill(options: DrillOptions, deps: DrillDeps): Promise<DrillReport> {
  const o = { ...DEFAULTS, ...options };
  const now = deps.now ?? Date.now;
  const started = now();
  const report: DrillReport = {
    alias: o.alias,
    url: o.url,
    control: deps.control.description,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    requests: 0,
    interrupted: false,
    passed: false,
    steps: [],
  };
  const say = deps.progress ?? (() => {});
  const guard = () => {
    if (deps.signal?.aborted) throw new Interrupted();
  };
  const pause = async (ms: number) => {
    guard();
    await sleep(ms, deps.signal).catch(() => guard());
  };
  const send = async (stream: boolean): Promise<Exchange> => {
    guard();
    report.requests++;
    const exchange = await deps.traffic.send(stream, deps.signal);
    guard();
    return exchange;
  };

  let current: { step: StepName; started: number; checks: Check[] } | undefined;
  const begin = (step: StepName) => {
    current = { step, started: now(), checks: [] };
    say(`${step}…`);
  };
  const check = (status: Check['status'], detail: string) => current!.checks.push({ status, detail });
  const end = (): boolean => {
    if (!current) return true;
    const failed = current.checks.some((c) => c.status === 'fail');
    const step: StepReport = { step: current.step, status: failed ? 'fail' : 'pass', durationMs: now() - current.started, checks: current.checks };
    report.steps.push(step);
    deps.onStep?.(step);
    current = undefined;
    return !failed;
  };
  const skip = (...steps: StepName[]) => {
    for (const step of steps) {
      const skipped: StepReport = { step, status: 'skipped', durationMs: 0, checks: [] };
      report.steps.push(skipped);
      deps.onStep?.(skipped);
    }
  };

  let injected: { provider: string; original: unknown; breaker?: string } | undefined;
  try {
    // ── preflight: the alias, its chain, the breaker settings, and whom a fault would reach ──
    begin('preflight');
    const read = await deps.control.read(deps.signal);
    const validated = validateConfig(read);
    const chain = chainOf(read, o.alias);
    if (!validated.ok) check('fail', `the configuration in force does not validate: ${validated.errors.join('; ')}`);
    if ('error' in chain) check('fail', chain.error);
    if (!validated.ok || 'error' in chain) {
      end();
      skip('baseline', 'fault', 'streaming', ...(deps.alarms ? (['alarm'] as const) : []), 'recovery', ...(deps.alarms ? (['alarm-clears'] as const) : []));
      return finish();
    }
    const breaker: BreakerSettings = validated.config.policy.breaker;
    const [first, ...rest] = chain.targets.map((t) => `${t.provider}/${t.model}`);
    const primary = first!;
    const fallbacks = rest;
    const provider = chain.targets[0]!.provider;
    report.primary = primary;
    report.fallbacks = fallbacks;
    const sharing = aliasesSharing(read, provider, o.alias);
    if (sharing.length > 0 && !o.allowShared) {
      check('fail', `provider "${provider}" also serves ${sharing.map((a) => `"${a}"`).join(', ')}: the fault would fail their traffic too. Give the drill alias its own provider entry (same kind and key), or pass --allow-shared for a real game day`);
    } else {
      if (sharing.length > 0) check('warn', `provider "${provider}" also serves ${sharing.join(', ')}: their traffic fails over too during the drill`);
      check('pass', `primary ${primary}, fallback${fallbacks.length > 1 ? 's' : ''} ${fallbacks.join(', ')}; the breaker opens after ${breaker.consecutiveFailures} failures in a row, open ${breaker.openMs / 1000}–${breaker.maxOpenMs / 1000} s`);
    }
    let document = read;
    // A drill killed outright (SIGKILL, a crashed canary) cannot restore: its fault is recognisable, so remove it now.
    const leftover = sharing.length === 0 || o.allowShared ? withoutFault(document, provider, undefined) : { untouched: '' };
    if ('document' in leftover) {
      await deps.control.write(leftover.document, deps.signal);
      document = leftover.document;
      check('warn', `a fault left on "${provider}" by an earlier drill was removed first`);
    }
    const original = (document as { providers: Record<string, { chaos?: unknown }> }).providers[provider]?.chaos;
    if (!end()) {
      skip('baseline', 'fault', 'streaming', ...(deps.alarms ? (['alarm'] as const) : []), 'recovery', ...(deps.alarms ? (['alarm-clears'] as const) : []));
      return finish();
    }

    // ── baseline: the primary serves ──
    begin('baseline');
    let onPrimary = 0;
    for (let i = 0; i < o.baselineRequests; i++) {
      say(`baseline: request ${i + 1}/${o.baselineRequests}`);
      const ex = await send(i % 2 === 1);
      if (ex.status === 200 && ex.complete && ex.servedBy === primary) onPrimary++;
      else check('fail', `request ${i + 1} was ${describe(ex)}, not a complete answer from the primary ${primary}`);
    }
    if (onPrimary === o.baselineRequests) check('pass', `${onPrimary}/${o.baselineRequests} requests answered by the primary ${primary}`);
    else check('fail', 'no fault injected: the primary must serve before the drill can prove the failover');
    if (!end()) {
      skip('fault', 'streaming', ...(deps.alarms ? (['alarm'] as const) : []), 'recovery', ...(deps.alarms ? (['alarm-clears'] as const) : []));
      return finish();
    }

    // ── fault: the primary fails; requests go on succeeding through the fallback; the breaker opens ──
    begin('fault');
    const breakerFault = o.fault === 'breaker';
    if (breakerFault) {
      if (!deps.breakers) throw new Error('a breaker fault needs a breaker control (the local server, or --table)');
      await deps.breakers.force(primary, 'open', deps.signal);
      injected = { provider, original, breaker: primary };
      check('pass', `breaker of ${primary} forced open through ${deps.breakers.description}`);
    } else {
      await deps.control.write(withFault(document, provider), deps.signal);
      injected = { provider, original };
      check('pass', `fault injected on provider "${provider}" (every attempt answers 503) through ${deps.control.description}`);
    }
    const injectedAt = now();
    const expectedFailures = breaker.consecutiveFailures + o.openSlack;
    let failures = 0;
    let served = 0;
    let opened = false;
    const problems: string[] = [];
    const fallbackUsed = new Set<string>();
    while (!opened) {
      const ex = await send(false);
      const tried = ex.attempts.filter((a) => a.target === primary);
      if (ex.servedBy === primary) {
        // The fault has not reached this instance yet.
        if (now() - injectedAt > deps.control.propagationMs + 10 * o.intervalMs) {
          check('fail', `the primary still served ${((now() - injectedAt) / 1000).toFixed(0)} s after the fault was written: the fault did not take effect`);
          break;
        }
        say(`fault: waiting for the configuration to reach the proxy (${((now() - injectedAt) / 1000).toFixed(0)} s)`);
        await pause(o.intervalMs);
        continue;
      }
      if (ex.status === 200 && ex.complete && ex.servedBy && fallbacks.includes(ex.servedBy)) {
        served++;
        fallbackUsed.add(ex.servedBy);
      } else problems.push(describe(ex));
      // A quiet primary's 503 is retried once on it (the transient-5xx rule): count attempts, not requests.
      if (tried.some((a) => a.outcome.startsWith('skipped'))) opened = true;
      else failures += tried.length;
      say(`fault: ${failures} failed attempt${failures === 1 ? '' : 's'} on the primary, breaker ${opened ? 'open' : 'not open yet'}`);
      if (!opened && (failures > expectedFailures || served + problems.length > expectedFailures + MAX_UNCOUNTED)) break;
    }
    const total = served + problems.length;
    if (problems.length === 0 && total > 0) check('pass', `${served}/${total} requests answered 200 by the fallback (${[...fallbackUsed].join(', ')})`);
    else if (total > 0) check('fail', `${problems.length}/${total} requests failed during the fault: ${unique(problems)}`);
    if (opened) check('pass', `the breaker of ${primary} opened after ${failures} failed attempt${failures === 1 ? '' : 's'} on it (expected at most ${expectedFailures})`);
    else check('fail', `the breaker of ${primary} was not seen open after ${failures} failed attempts on it (expected at most ${expectedFailures})`);
    end();

    // ── streaming: a streamed answer during the fault arrives whole, through the fallback ──
    begin('streaming');
    say('streaming: one streamed request through the fallback');
    const streamed = await send(true);
    if (streamed.status === 200 && streamed.complete && streamed.servedBy && fallbacks.includes(streamed.servedBy)) {
      check('pass', `a streamed answer arrived complete in the client's format, served by ${streamed.servedBy} in ${streamed.latencyMs} ms`);
    } else check('fail', `the streamed request was ${describe(streamed)}`);
    end();

    // ── alarm: the L2 alarm fires while the fallback carries the traffic ──
    if (deps.alarms) {
      begin('alarm');
      await waitForAlarm(deps.alarms, primary, 'ALARM');
      end();
    }

    // ── recovery: the fault is removed; a half-open probe succeeds and the primary serves again ──
    begin('recovery');
    await restore();
    const restoredAt = now();
    const expectedMs = deps.control.propagationMs + OPEN_JITTER * breaker.maxOpenMs + 2 * o.intervalMs;
    let probe: { outcome: string; afterMs: number } | undefined;
    let failedProbes = 0;
    let backAfterMs: number | undefined;
    let confirmations = 0;
    const recoveryProblems: string[] = [];
    while (confirmations < 2) {
      if (now() - restoredAt > expectedMs) break;
      await pause(backAfterMs === undefined ? o.intervalMs : 0);
      const ex = await send(false);
      const tried = ex.attempts.find((a) => a.target === primary);
      if (tried?.probe && tried.outcome === '200' && !probe) probe = { outcome: tried.outcome, afterMs: now() - restoredAt };
      if (tried?.probe && tried.outcome !== '200') failedProbes++;
      if (ex.status !== 200 || !ex.complete) recoveryProblems.push(describe(ex));
      if (ex.servedBy === primary) {
        backAfterMs ??= now() - restoredAt;
        confirmations++;
      } else confirmations = 0;
      say(`recovery: ${((now() - restoredAt) / 1000).toFixed(0)} s, ${backAfterMs === undefined ? `served by ${ex.servedBy ?? 'nobody'}` : 'primary serving'}`);
    }
    if (probe) check('pass', `a half-open probe of ${primary} succeeded ${(probe.afterMs / 1000).toFixed(1)} s after the fault was removed${failedProbes ? ` (${failedProbes} earlier probe${failedProbes === 1 ? '' : 's'} failed while the fault was still being withdrawn)` : ''}`);
    else if (backAfterMs !== undefined && breakerFault) check('pass', `the breaker of ${primary} is back on auto: nothing failed, so no probe was needed`);
    else if (backAfterMs !== undefined) check('warn', `the primary serves again but no probe was seen by the drill: other traffic made it`);
    else check('fail', `no successful half-open probe of ${primary} within ${(expectedMs / 1000).toFixed(0)} s`);
    if (backAfterMs !== undefined && confirmations >= 2) {
      check('pass', `the primary ${primary} serves again ${(backAfterMs / 1000).toFixed(1)} s after the fault was removed (expected within ${(expectedMs / 1000).toFixed(0)} s)`);
    } else check('fail', `the primary ${primary} did not serve again within ${(expectedMs / 1000).toFixed(0)} s`);
    if (recoveryProblems.length > 0) check('fail', `${recoveryProblems.length} request(s) failed during recovery: ${unique(recoveryProblems)}`);
    end();

    if (deps.alarms) {
      begin('alarm-clears');
      await waitForAlarm(deps.alarms, primary, 'OK');
      end();
    }
  } catch (error) {
    if (!current) throw error;
    if (error instanceof Interrupted || deps.signal?.aborted) {
      report.interrupted = true;
      check('fail', 'interrupted before this step finished');
    } else check('fail', `the drill could not go on: ${(error as Error).message}`);
    end();
  } finally {
    if (injected) await safetyRestore();
  }
  return finish();

  function finish(): DrillReport {
    report.durationMs = now() - started;
    report.passed = !report.interrupted && report.steps.every((s) => s.status !== 'fail');
    return report;
  }

  /** Undoes exactly the drill's change (fault.ts withoutFault), once. */
  async function restore(signal = deps.signal): Promise<void> {
    const target = injected!;
    if (target.breaker) {
      await deps.breakers!.force(target.breaker, 'auto', signal);
      check('pass', `breaker of ${target.breaker} back on auto`);
      injected = undefined;
      return;
    }
    const restored = withoutFault(await deps.control.read(signal), target.provider, target.original);
    if ('document' in restored) {
      await deps.control.write(restored.document, signal);
      check('pass', `fault removed from provider "${target.provider}"`);
    } else check('warn', restored.untouched);
    injected = undefined;
  }

  /** The fault is still in place (interrupted, or a step broke): remove it, even after Ctrl-C. */
  async function safetyRestore(): Promise<void> {
    begin('restore');
    say('restoring the configuration…');
    try {
      await restore(AbortSignal.timeout(RESTORE_TIMEOUT_MS));
    } catch (error) {
      check('fail', `could not remove the fault: ${(error as Error).message}. Remove "chaos" from provider "${injected?.provider}" by hand`);
    }
    end();
  }

  /** Polls the alias's L2 alarms, keeping traffic flowing so the metric has datapoints. */
  async function waitForAlarm(alarms: AlarmReader, primary: string, wanted: 'ALARM' | 'OK'): Promise<void> {
    const since = now();
    let seen: AlarmSeen[] = [];
    for (;;) {
      seen = await alarms.failoverAlarms(primary, deps.signal);
      const fallbackAlarm = seen.find((a) => a.name.includes('served-by-fallback-'));
      if (!fallbackAlarm) {
        check('fail', `no served-by-fallback alarm for alias "${o.alias}" in ${alarms.description}`);
        return;
      }
      if (fallbackAlarm.state === wanted) {
        check('pass', `${fallbackAlarm.name} is ${wanted} after ${((now() - since) / 1000).toFixed(0)} s`);
        for (const other of seen.filter((a) => a !== fallbackAlarm)) check(other.state === wanted ? 'pass' : 'warn', `${other.name} is ${other.state}`);
        return;
      }
      if (now() - since > o.alarmTimeoutMs) {
        check('fail', `${fallbackAlarm.name} stayed ${fallbackAlarm.state} for ${(o.alarmTimeoutMs / 1000).toFixed(0)} s (expected ${wanted})`);
        return;
      }
      say(`${wanted === 'ALARM' ? 'alarm' : 'alarm-clears'}: ${fallbackAlarm.name} is ${fallbackAlarm.state}, waiting for ${wanted} (${((now() - since) / 1000).toFixed(0)} s)`);
      // One request per poll keeps a datapoint in every minute of the alarm's period.
      await send(false);
      await pause(o.alarmPollMs);
    }
  }
}

function describe(ex: Exchange): string {
  if (ex.status === 0) return ex.problem ?? 'unanswered';
  const who = ex.servedBy ? ` from ${ex.servedBy}` : '';
  return ex.problem ? `${ex.status}${who} (${ex.problem})` : `${ex.status}${who}`;
}

function unique(items: string[]): string {
  return [...new Set(items)].slice(0, 3).join('; ');
}
