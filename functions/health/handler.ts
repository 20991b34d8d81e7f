import { runHealthCheck } from '../core/health.ts';
import { sleep } from '../core/timers.ts';
import { fetchStatusPage } from '../adapters/fetch-status-page.ts';
import { httpUpstream } from '../adapters/http-upstream.ts';
import { createAwsRuntime } from '../adapters/aws-runtime.ts';

/**
 * The health checker: EventBridge Scheduler runs it every minute (its shortest period) and it probes
 * twice per run, about 30 s apart. Reserved concurrency 1 keeps runs from overlapping; failure
 * streaks live in module memory across warm runs.
 */
const runtime = createAwsRuntime(process.env);
const streaks = new Map<string, number>();

export const ROUND_INTERVAL_MS = 30_000;

export async function handler(_event?: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<{ rounds: number }> {
  let rounds = 0;
  for (let round = 0; round < 2; round++) {
    const started = Date.now();
    await runtime.ready();
    const routes = runtime.compiled();
    await runHealthCheck({ compiled: routes, breakers: runtime.breakers, telemetry: runtime.telemetry, upstream: httpUpstream, clock: runtime.clock, streaks, statusPages: fetchStatusPage });
    rounds++;
    await runtime.afterRequest();
    const left = context?.getRemainingTimeInMillis?.() ?? Infinity;
    const wait = ROUND_INTERVAL_MS - (Date.now() - started);
    if (round === 0 && left > wait + 10_000) await sleep(Math.max(0, wait));
    else break;
  }
  return { rounds };
}
