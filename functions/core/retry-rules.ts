import type { EffectivePolicy } from '../config/schema.ts';
import type { Failure } from '../ir/failure.ts';
import type { BreakerOutcome } from './ports.ts';

/**
 * The retry rules: what one failed attempt means (RELIABILITY.md §1). This file is the only place
 * that decides between retrying the same target, failing over, and giving up.
 */
export interface RetryDecision {
  /** Try the same target again after `delayMs`. */
  retrySame: boolean;
  delayMs: number;
  /** Otherwise move on to the next target (no delay between different targets). */
  failover: boolean;
  /** What the breaker counts. */
  breaker: BreakerOutcome;
}

export interface RetryContext {
  policy: EffectivePolicy;
  /** Attempts already made on this target in this request (1 after the first). */
  triesOnTarget: number;
  /** Time left before the request's deadline. */
  remainingMs: number;
  /** Another target remains in the chain after this one. */
  hasNextTarget: boolean;
  /** The target's breaker was closed and counting no failures when this attempt was admitted. */
  breakerQuiet: boolean;
  /** Upstream attempts this request may still make (maxAttempts minus those made). */
  attemptsLeft: number;
  now: number;
  random: () => number;
}

/** Capped exponential backoff with full jitter: uniform in [0, min(max, base·2^(n-1))]. */
export function backoffMs(policy: EffectivePolicy, tries: number, random: () => number): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, tries - 1));
  return Math.floor(random() * ceiling);
}

export function decide(failure: Failure, ctx: RetryContext): RetryDecision {
  const { policy, triesOnTarget, remainingMs, random, now, hasNextTarget } = ctx;
  const firstTry = triesOnTarget <= 1;
  const fits = (delay: number) => delay < remainingMs;
  const giveUp = (breaker: BreakerOutcome): RetryDecision => ({ retrySame: false, delayMs: 0, failover: false, breaker });
  const next = (breaker: BreakerOutcome): RetryDecision => ({ retrySame: false, delayMs: 0, failover: true, breaker });
  const again = (delayMs: number, breaker: BreakerOutcome): RetryDecision =>
    fits(delayMs) ? { retrySame: true, delayMs, failover: true, breaker } : next(breaker);

  switch (failure.kind) {
    case 'connect':
      // A reset is often a stale keep-alive connection: once more on the same target after a short
      // jittered pause, then the next.
      return firstTry ? again(backoffMs(policy, triesOnTarget, random), { kind: 'failure' }) : next({ kind: 'failure' });
    case 'server': {
      // A transient 5xx on the preferred model: stay on it, once, after a short jittered pause —
      // the next target is often another vendor (other behaviour, a cold prompt cache, another
      // price). Fail over at once instead when the target is already failing (its breaker counts
      // failures in a row, or it is a half-open probe), when it signals a long overload (a
      // retry-after beyond maxRetryAfterWaitMs), or when the retry would leave no attempt for the
      // next target. The last target of the chain keeps its one retry.
      const hinted = failure.retryAfterMs;
      const longOverload = hinted !== undefined && hinted > policy.maxRetryAfterWaitMs;
      if (!firstTry || longOverload) return next({ kind: 'failure' });
      if (hasNextTarget && (!ctx.breakerQuiet || ctx.attemptsLeft < 2)) return next({ kind: 'failure' });
      return again(hinted ?? backoffMs(policy, triesOnTarget, random), { kind: 'failure' });
    }
    case 'header-timeout':
    case 'first-token-timeout':
      // A silent route only multiplies the wait: never the same target again.
      return next({ kind: 'failure', slow: true });
    case 'idle-timeout':
    case 'stream-broken':
    case 'empty-answer':
      return next({ kind: 'failure' });
    case 'rate-limit': {
      const hinted = failure.retryAfterMs;
      if (hinted !== undefined) {
        const cooldown: BreakerOutcome = { kind: 'cooldown', until: now + hinted };
        // Never sooner than the header says; fail over when the wait would not fit.
        if (firstTry && hinted <= policy.maxRetryAfterWaitMs) return again(hinted, cooldown);
        return next(cooldown);
      }
      // No usable hint: no tight loop. Fail over at once when another target remains; on the last
      // one, a single capped, fully jittered backoff.
      const delay = backoffMs(policy, triesOnTarget + 1, random);
      const cooldown: BreakerOutcome = { kind: 'cooldown', until: now + Math.max(delay, policy.backoffMaxMs) };
      return firstTry && !hasNextTarget ? again(delay, cooldown) : next(cooldown);
    }
    case 'quota':
    case 'auth':
      // Our key or account is broken there: the next target may still serve.
      return next({ kind: 'long-open' });
    case 'context-length':
      // Never the same model; the next target may have a larger window.
      return next({ kind: 'neutral' });
    case 'unsupported':
      return next({ kind: 'neutral' });
    case 'content-policy':
      return policy.failoverOnContentPolicy ? next({ kind: 'neutral' }) : giveUp({ kind: 'neutral' });
    case 'invalid-request':
      return giveUp({ kind: 'neutral' });
  }
}
