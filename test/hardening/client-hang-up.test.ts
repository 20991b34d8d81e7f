import { describe, expect, it, vi } from 'vitest';
import { EmfTelemetry } from '../../functions/adapters/emf-telemetry.ts';
import type { RequestRecord } from '../../functions/core/ports.ts';
import { openaiTextFrames, type Behavior } from '../support/fake-provider.ts';
import { recordOf, type Harness } from '../support/proxy-harness.ts';
import { fakeHttp, proxyFor, useCleanups } from '../translation/upstreams.ts';

/**
 * Issue 13 §5: a caller that hangs up is never the provider's fault. Before and after the commit
 * point the aborted attempt is neutral for the breaker and for the health metrics.
 */

useCleanups();

const body = JSON.stringify({ model: 'alias', stream: true, messages: [{ role: 'user', content: 'hi' }] });
const post = (h: Harness, signal: AbortSignal) =>
  fetch(`${h.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

async function breakerOf(h: Harness, target: string) {
  return (await h.proxy.breakers.list()).find((b) => b.target === target);
}

/** Slow but healthy: content at once, then one frame every 200 ms. */
const slowStream = (): Behavior => ({ kind: 'sse', frames: openaiTextFrames(['a', 'b', 'c', 'd', 'e', 'f']), gapMs: 200 });

/** `openai-compatible` targets translate; `openai` targets take the pass-through lane (same API). */
async function healthyChain(primary: () => Behavior, kind: 'openai-compatible' | 'openai' = 'openai-compatible'): Promise<{ h: Harness; seen: () => number }> {
  const p1 = await fakeHttp(primary);
  const p2 = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['fallback']) }));
  const h = await proxyFor(
    [
      { kind, url: `${p1.url}/v1`, model: 'm1' },
      { kind, url: `${p2.url}/v1`, model: 'm2' },
    ],
    { breaker: { consecutiveFailures: 2 } },
  );
  return { h, seen: () => p1.requests.length };
}

describe('client hang-ups are neutral for the breaker', () => {
  for (const [lane, kind] of [['translation lane', 'openai-compatible'], ['pass-through lane', 'openai']] as const) {
  it(`after the commit point (${lane}): five hang-ups mid-stream leave the primary closed and serving`, async () => {
    const { h } = await healthyChain(slowStream, kind);
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const response = await post(h, controller.signal);
      expect(response.headers.get('x-understudy-provider')).toBe('p1');
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      const record = await recordOf(h, i);
      expect(record).toMatchObject({ cancelled: true, attempts: [{ target: 'p1/m1', outcome: 'client-gone' }] });
      expect(record.truncated).toBeUndefined();
    }
    expect(await breakerOf(h, 'p1/m1')).toMatchObject({ state: 'closed', consecutiveFailures: 0, windowFailures: 0 });
    const next = await post(h, new AbortController().signal);
    expect(next.headers.get('x-understudy-provider')).toBe('p1');
    await next.body?.cancel();
  });
  }

  it('before the commit point (waiting for the first token): neutral, not exhausted, no failover', async () => {
    const { h, seen } = await healthyChain(() => ({ kind: 'sse', frames: openaiTextFrames(['late']), firstDelayMs: 1_500 }));
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const pending = post(h, controller.signal).catch((error: unknown) => error);
      await until(() => seen() === i + 1);
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      const record = await recordOf(h, i);
      expect(record).toMatchObject({ cancelled: true, attempts: [{ target: 'p1/m1', outcome: 'client-gone' }] });
      expect(record.attempts).toHaveLength(1);
      expect(record.exhausted).toBe(false);
    }
    expect(await breakerOf(h, 'p1/m1')).toMatchObject({ state: 'closed', consecutiveFailures: 0, windowFailures: 0 });
  });

  it('before the response headers: neutral too', async () => {
    const { h, seen } = await healthyChain(() => ({ kind: 'silent' }));
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const pending = post(h, controller.signal).catch((error: unknown) => error);
      await until(() => seen() === i + 1);
      controller.abort();
      await pending;
      expect(await recordOf(h, i)).toMatchObject({ cancelled: true, attempts: [{ outcome: 'client-gone' }] });
    }
    expect(await breakerOf(h, 'p1/m1')).toMatchObject({ state: 'closed', consecutiveFailures: 0, windowFailures: 0 });
  });
});

describe('client hang-ups are neutral for the health metrics', () => {
  it('publishes no attempt failure, request error or error reason for a cancelled request', () => {
    const lines: Record<string, unknown>[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n')) if (line.includes('"_aws"')) lines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    });
    try {
      const telemetry = new EmfTelemetry();
      const record: RequestRecord = {
        requestId: 'r1',
        ingress: 'openai',
        alias: 'alias',
        stream: true,
        status: 200,
        attempts: [{ target: 'p1/m1', provider: 'p1', model: 'm1', outcome: 'client-gone', durationMs: 40 }],
        cancelled: true,
        durationMs: 40,
      };
      telemetry.request(record);
      telemetry.request({ ...record, status: 499, servedBy: undefined });
      telemetry.flush();
    } finally {
      spy.mockRestore();
    }
    expect(lines.filter((l) => 'AttemptFailures' in l || 'AttemptSuccesses' in l)).toHaveLength(0);
    expect(lines.filter((l) => 'RequestErrors' in l).map((l) => l.RequestErrors)).toEqual([0, 0]);
    expect(lines.filter((l) => 'ErrorsByReason' in l)).toHaveLength(0);
  });
});
