import { runHealthCheck } from '../core/health.ts';
import { sleep } from '../core/timers.ts';
import { fetchStatusPage } from '../adapters/fetch-status-page.ts';
import { httpUpstream } from '../adapters/http-upstream.ts';
import { createAwsRoutingState, FLUSH_BOUND_MS } from '../adapters/aws-routing-state.ts';

/**
 * The health checker: EventBridge Scheduler runs it every minute (its shortest period) and it probes
 * twice per run, about 30 s apart. Reserved concurrency 1 keeps runs from overlapping; failure
 * streaks live in module memory across warm runs. It needs the compiled configuration and the
 * breakers only, not the proxy's request path, so it loads only those (a smaller bundle to start).
 */
const runtime = createAwsRoutingState(process.env);
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
    // Lambda freezes after the handler: the breaker writes and the metrics go out now.
    await runtime.breakers.flush(FLUSH_BOUND_MS);
    runtime.telemetry.flush?.();
    const left = context?.getRemainingTimeInMillis?.() ?? Infinity;
    const wait = ROUND_INTERVAL_MS - (Date.now() - started);
    if (round === 0 && left > wait + 10_000) await sleep(Math.max(0, wait));
    else break;
  }
  return { rounds };
}
