import type { ChaosSettings } from '../config/schema.ts';
import type { ProviderDialect } from '../ir/dialect.ts';
import type { StreamEvent } from '../ir/events.ts';
import type { Failure } from '../ir/failure.ts';
import { sleep } from './timers.ts';

/**
 * Fault injection in front of a real provider call (off unless configured): the seed's "middleware
 * that randomly returns 503 to a configurable percentage of calls", plus latency, resets and
 * stalls. Injected failures take the same path as real ones, so the whole failover path runs.
 */
export function withChaos(dialect: ProviderDialect, chaos: ChaosSettings, random: () => number = Math.random): ProviderDialect {
  return {
    dialect: dialect.dialect,
    // A probe meets the same faults as traffic (latency, resets, errors; a stall has no stream to stall).
    async probe(target, io) {
      const started = Date.now();
      if (chaos.latencyMs > 0) await sleep(chaos.latencyMs, io.signal);
      const injected = injectedFailure(chaos, random);
      if (injected) return { ok: false, failure: injected, latencyMs: Date.now() - started };
      return dialect.probe(target, io);
    },
    async open(request, target, io) {
      if (chaos.latencyMs > 0) await sleep(chaos.latencyMs, io.signal);
      const injected = injectedFailure(chaos, random);
      if (injected) return { ok: false, failure: injected };
      const opened = await dialect.open(request, target, io);
      if (!opened.ok || chaos.stallAfterChunks === undefined) return opened;
      return { ok: true, events: stallAfter(opened.events, chaos.stallAfterChunks, io.signal) };
    },
  };
}

function injectedFailure(chaos: ChaosSettings, random: () => number): Failure | undefined {
  if (chaos.resetRate > 0 && random() < chaos.resetRate) {
    return { kind: 'connect', message: 'connection reset (injected by chaos)', providerCode: 'ECONNRESET' };
  }
  if (chaos.errorRate > 0 && random() < chaos.errorRate) return injectedStatus(chaos.status);
  return undefined;
}

function injectedStatus(status: number): Failure {
  const message = `upstream answered ${status} (injected by chaos)`;
  if (status === 429) return { kind: 'rate-limit', status, message };
  if (status === 401 || status === 403) return { kind: 'auth', status, message };
  if (status >= 500) return { kind: 'server', status, message };
  return { kind: 'invalid-request', status, message };
}

async function* stallAfter(events: AsyncIterable<StreamEvent>, count: number, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  let seen = 0;
  for await (const event of events) {
    if (seen++ >= count) {
      // Hang without closing, as a stalled upstream does; the idle watchdog must end it.
      await sleep(Number.MAX_SAFE_INTEGER, signal);
    }
    yield event;
  }
}
