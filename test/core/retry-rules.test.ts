import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../functions/config/load.ts';
import { backoffMs, decide } from '../../functions/core/retry-rules.ts';
import type { Failure } from '../../functions/ir/failure.ts';

const config = validateConfig({ providers: {}, aliases: {} });
if (!config.ok) throw new Error('defaults must validate');
const policy = config.config.policy;
const ctx = (over: Partial<Parameters<typeof decide>[1]> = {}) => ({ policy, triesOnTarget: 1, remainingMs: 60_000, hasNextTarget: false, breakerQuiet: true, attemptsLeft: 2, now: 1_000, random: () => 0.5, ...over });
const f = (kind: Failure['kind'], extra: Partial<Failure> = {}): Failure => ({ kind, message: kind, ...extra });

describe('retry rules (RELIABILITY.md §1)', () => {
  it('connection reset: once more on the same target after a jittered backoff, then fail over', () => {
    const first = decide(f('connect'), ctx());
    expect(first).toMatchObject({ retrySame: true, failover: true, breaker: { kind: 'failure' } });
    expect(first.delayMs).toBe(50); // uniform in [0, base=100) at random 0.5
    expect(decide(f('connect'), ctx({ triesOnTarget: 2 }))).toMatchObject({ retrySame: false, failover: true });
  });

  it('silent routes are never retried on the same target, and count as slow failures', () => {
    for (const kind of ['header-timeout', 'first-token-timeout'] as const) {
      expect(decide(f(kind), ctx())).toEqual({ retrySame: false, delayMs: 0, failover: true, breaker: { kind: 'failure', slow: true } });
    }
  });

  it('5xx on a quiet breaker: once more on the same target after a short jittered pause, then fail over', () => {
    const first = decide(f('server', { status: 503 }), ctx({ hasNextTarget: true }));
    expect(first).toEqual({ retrySame: true, delayMs: 50, failover: true, breaker: { kind: 'failure' } });
    expect(decide(f('server', { status: 500 }), ctx({ hasNextTarget: true, triesOnTarget: 2 }))).toEqual({ retrySame: false, delayMs: 0, failover: true, breaker: { kind: 'failure' } });
  });

  it('5xx fails over at once when the target is already failing, signals a long overload, or no attempt would remain', () => {
    const now = { retrySame: false, delayMs: 0, failover: true, breaker: { kind: 'failure' } };
    expect(decide(f('server', { status: 503 }), ctx({ hasNextTarget: true, breakerQuiet: false }))).toEqual(now);
    expect(decide(f('server', { status: 529, retryAfterMs: 30_000 }), ctx({ hasNextTarget: true }))).toEqual(now);
    expect(decide(f('server', { status: 503, retryAfterMs: 30_000 }), ctx())).toEqual(now);
    expect(decide(f('server', { status: 503 }), ctx({ hasNextTarget: true, attemptsLeft: 1 }))).toEqual(now);
    // The deadline does not allow the pause.
    expect(decide(f('server', { status: 503, retryAfterMs: 900 }), ctx({ hasNextTarget: true, remainingMs: 500 }))).toEqual(now);
  });

  it('5xx on the last target keeps its one retry even when its breaker is counting', () => {
    expect(decide(f('server', { status: 503 }), ctx({ breakerQuiet: false }))).toMatchObject({ retrySame: true, failover: true });
    expect(decide(f('server', { status: 503 }), ctx({ triesOnTarget: 2 }))).toMatchObject({ retrySame: false, failover: true });
  });

  it('an empty answer is a failure that fails over, never retried on the same target', () => {
    expect(decide(f('empty-answer'), ctx({ hasNextTarget: true }))).toEqual({ retrySame: false, delayMs: 0, failover: true, breaker: { kind: 'failure' } });
  });

  it('429 with a short retry-after: waits exactly the hint, counts a cooldown, not a failure', () => {
    const d = decide(f('rate-limit', { status: 429, retryAfterMs: 1500 }), ctx());
    expect(d).toEqual({ retrySame: true, delayMs: 1500, failover: true, breaker: { kind: 'cooldown', until: 2500 } });
  });

  it('429 whose retry-after exceeds maxRetryAfterWaitMs or the deadline: fail over at once', () => {
    expect(decide(f('rate-limit', { retryAfterMs: 30_000 }), ctx())).toMatchObject({ retrySame: false, failover: true, breaker: { kind: 'cooldown', until: 31_000 } });
    expect(decide(f('rate-limit', { retryAfterMs: 1_000 }), ctx({ remainingMs: 500 }))).toMatchObject({ retrySame: false, failover: true });
  });

  it('429 without a header and another target left: fail over at once, cooling the target down', () => {
    expect(decide(f('rate-limit', { status: 429 }), ctx({ hasNextTarget: true }))).toMatchObject({ retrySame: false, failover: true, breaker: { kind: 'cooldown' } });
  });

  it('429 without a header on the last target: one jittered backoff, never a tight loop', () => {
    const d = decide(f('rate-limit', { status: 429 }), ctx({ random: () => 0.999 }));
    expect(d.retrySame).toBe(true);
    expect(d.delayMs).toBeGreaterThan(0);
    expect(d.breaker.kind).toBe('cooldown');
    expect(decide(f('rate-limit'), ctx({ triesOnTarget: 2 }))).toMatchObject({ retrySame: false, failover: true });
  });

  it('auth and quota: fail over and open the breaker for long', () => {
    expect(decide(f('auth', { status: 401 }), ctx())).toMatchObject({ retrySame: false, failover: true, breaker: { kind: 'long-open' } });
    expect(decide(f('quota', { status: 429 }), ctx())).toMatchObject({ retrySame: false, failover: true, breaker: { kind: 'long-open' } });
  });

  it('context length: never the same model, next target, breaker untouched', () => {
    expect(decide(f('context-length', { status: 400 }), ctx())).toMatchObject({ retrySame: false, failover: true, breaker: { kind: 'neutral' } });
  });

  it('content policy: propagated by default, failover only when the alias opts in', () => {
    expect(decide(f('content-policy'), ctx())).toMatchObject({ retrySame: false, failover: false });
    expect(decide(f('content-policy'), ctx({ policy: { ...policy, failoverOnContentPolicy: true } }))).toMatchObject({ failover: true });
  });

  it("other 4xx are the caller's error: no retry, no failover, breaker untouched", () => {
    expect(decide(f('invalid-request', { status: 400 }), ctx())).toEqual({ retrySame: false, delayMs: 0, failover: false, breaker: { kind: 'neutral' } });
  });

  it('backoff is capped exponential with full jitter', () => {
    expect(backoffMs(policy, 1, () => 0.999)).toBeLessThan(100);
    expect(backoffMs(policy, 3, () => 0.999)).toBeLessThan(400);
    expect(backoffMs(policy, 30, () => 0.999)).toBeLessThan(policy.backoffMaxMs);
    expect(backoffMs(policy, 5, () => 0)).toBe(0);
  });
});
