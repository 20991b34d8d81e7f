import { clientError, type ClientError } from '../ir/client-error.ts';
import { isContentEvent, type StreamEvent } from '../ir/events.ts';
import type { Failure } from '../ir/failure.ts';
import type { ChatRequest } from '../ir/request.ts';
import { Attempt } from './attempt.ts';
import { withChaos } from './chaos.ts';
import { finalError } from './final-error.ts';
import { CLIENT_GONE, type Admission, type AttemptRecord, type BreakerOutcome, type BreakerStore, type Clock, type Upstream } from './ports.ts';
import { decide } from './retry-rules.ts';
import type { ResolvedAlias, ResolvedTarget } from './compiled-config.ts';
import { sleep } from './timers.ts';

export interface LoopDeps {
  breakers: BreakerStore;
  upstream: Upstream;
  clock: Clock;
  random: () => number;
}

export interface LoopInput {
  alias: ResolvedAlias;
  request: ChatRequest;
  /** Absolute time (ms) by which the whole request must be answered. */
  deadline: number;
  /**
   * Non-streaming clients: hold the answer until it is complete, so failover stays possible until
   * the last event. Streaming clients: commit at the first content event.
   */
  untilComplete: boolean;
  /** Client headers a provider of the client's own dialect may receive. */
  forwardHeaders: (target: ResolvedTarget) => Record<string, string>;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
}

/** The attempt that won: its events so far, and the means to read on and settle its breaker. */
export interface Committed {
  kind: 'committed';
  attempt: Attempt;
  target: ResolvedTarget;
  /** Events read before and at the commit point (all of them when `untilComplete`). */
  buffered: StreamEvent[];
  /** The terminal `finish` event has been read. */
  finished: boolean;
  committedAt: number;
  records: AttemptRecord[];
  /** Reports the served attempt's final outcome to its breaker. Call once. */
  settle(outcome: BreakerOutcome, label: string): Promise<void>;
}

export interface Failed {
  kind: 'failed';
  error: ClientError;
  records: AttemptRecord[];
  exhausted: boolean;
  /** The caller hung up before an answer: nobody's fault, no alarm. */
  cancelled?: boolean;
}

/**
 * The attempt loop (RELIABILITY.md §1): walks the alias's targets in order, skipping open
 * breakers, retrying or failing over as retry-rules.ts decides, under one deadline and at most
 * `maxAttempts` upstream attempts.
 */
export async function runAttemptLoop(input: LoopInput, deps: LoopDeps): Promise<Committed | Failed> {
  const { alias, deadline } = input;
  const { policy } = alias;
  const { breakers, clock } = deps;
  const settings = alias.policy.breaker;
  const records: AttemptRecord[] = [];
  const skipped: { target: ResolvedTarget; admission: Extract<Admission, { decision: 'skip' }> }[] = [];
  let attempts = 0;
  let lastFailure: Failure | undefined;

  const attemptOnce = async (target: ResolvedTarget, admission: Admission, panic: boolean): Promise<Committed | Failure> => {
    attempts++;
    const started = clock.now();
    const result = await runOne(target, input, deps);
    const record: AttemptRecord = {
      target: target.key,
      provider: target.provider.name,
      model: target.model,
      outcome: 'buffered' in result ? '200' : outcomeLabel(result),
      durationMs: clock.now() - started,
      ...(admission.decision === 'probe' ? { probe: true } : {}),
      ...(panic ? { panic: true } : {}),
    };
    records.push(record);
    if (!('buffered' in result) && input.signal?.aborted) {
      // The caller hung up: the aborted attempt says nothing about the provider (RELIABILITY.md §1).
      record.outcome = CLIENT_GONE;
      await breakers.report(target.key, settings, admission, { kind: 'neutral' });
      return result;
    }
    if ('buffered' in result) {
      let settled = false;
      return {
        kind: 'committed',
        attempt: result.attempt,
        target,
        buffered: result.buffered,
        finished: result.finished,
        committedAt: clock.now(),
        records,
        settle: async (outcome, label) => {
          if (settled) return;
          settled = true;
          record.outcome = label;
          record.durationMs = clock.now() - started;
          await breakers.report(target.key, settings, admission, outcome);
        },
      };
    }
    return result;
  };

  for (const [position, target] of input.alias.targets.entries()) {
    let admission = await breakers.admit(target.key, settings, Math.max(1, deadline - clock.now()));
    if (admission.decision === 'skip') {
      skipped.push({ target, admission });
      records.push({ target: target.key, provider: target.provider.name, model: target.model, outcome: `skipped-${admission.reason}`, durationMs: 0 });
      continue;
    }
    let tries = 0;
    for (;;) {
      if (input.signal?.aborted) return cancelled();
      if (attempts >= policy.maxAttempts || clock.now() >= deadline) return exhausted();
      tries++;
      const result = await attemptOnce(target, admission, false);
      if ('kind' in result && result.kind === 'committed') return result;
      if (input.signal?.aborted) return cancelled();
      const failure = result as Failure;
      lastFailure = failure;
      const decision = decide(failure, {
        policy,
        triesOnTarget: tries,
        remainingMs: deadline - clock.now(),
        hasNextTarget: position < input.alias.targets.length - 1,
        breakerQuiet: admission.decision === 'allow' && !admission.failing,
        attemptsLeft: policy.maxAttempts - attempts,
        now: clock.now(),
        random: deps.random,
      });
      await breakers.report(target.key, settings, admission, decision.breaker);
      if (!decision.retrySame && !decision.failover) {
        return { kind: 'failed', error: finalError(failure, { alias: alias.name, summary: '' }), records, exhausted: false };
      }
      if (!decision.retrySame || attempts >= policy.maxAttempts) break;
      try {
        await sleep(decision.delayMs, input.signal);
      } catch {
        return input.signal?.aborted ? cancelled() : exhausted();
      }
      const again = await breakers.admit(target.key, settings, Math.max(1, deadline - clock.now()));
      // A cooldown this very request just set (a 429 waited out here) does not stop its own retry.
      if (again.decision === 'skip' && again.reason !== 'cooldown') break;
      admission = again.decision === 'skip' ? { decision: 'allow', generation: again.generation } : again;
    }
  }

  // Every target open and none tried: do not fail instantly. Try the one that reopens first, once.
  if (attempts === 0 && skipped.length > 0 && clock.now() < deadline) {
    const soonest = skipped.reduce((a, b) => (b.admission.until < a.admission.until ? b : a));
    if (soonest.admission.reason !== 'forced-open') {
      const result = await attemptOnce(soonest.target, soonest.admission, true);
      if ('kind' in result && result.kind === 'committed') return result;
      if (input.signal?.aborted) return cancelled();
      lastFailure = result as Failure;
      await breakers.report(soonest.target.key, settings, soonest.admission, { kind: 'failure' });
    }
  }
  return exhausted();

  function cancelled(): Failed {
    return { kind: 'failed', error: clientError(499, 'api_error', 'the client closed the request before an answer'), records, exhausted: false, cancelled: true };
  }

  function exhausted(): Failed {
    const reopen = skipped.length > 0 ? Math.min(...skipped.map((s) => s.admission.until)) : undefined;
    const retryAfterSec = reopen !== undefined ? Math.max(1, Math.ceil((reopen - clock.now()) / 1000)) : undefined;
    const summary = records.map((r) => `${r.target}=${r.outcome}`).join(', ');
    return {
      kind: 'failed',
      error: finalError(lastFailure, { alias: alias.name, summary, ...(retryAfterSec !== undefined ? { retryAfterSec } : {}) }),
      records,
      exhausted: true,
    };
  }
}

/** One attempt up to its commit point: the first content event, or the whole answer. */
async function runOne(
  target: ResolvedTarget,
  input: LoopInput,
  deps: LoopDeps,
): Promise<{ attempt: Attempt; buffered: StreamEvent[]; finished: boolean } | Failure> {
  const attempt = new Attempt({
    target,
    policy: input.alias.policy,
    clock: deps.clock,
    deadline: input.deadline,
    ...(input.signal ? { parentSignal: input.signal } : {}),
  });
  const dialect = target.chaos ? withChaos(target.dialect, target.chaos, deps.random) : target.dialect;
  const opened = await attempt.open(input.request, dialect, deps.upstream, input.forwardHeaders(target));
  if (opened) return opened;
  const buffered: StreamEvent[] = [];
  let finished = false;
  let content = false;
  for (;;) {
    const step = await attempt.next();
    if (step.type === 'failure') {
      // After the terminal event a broken tail costs nothing: the answer is whole.
      if (finished) return { attempt, buffered, finished };
      attempt.abort();
      return step.failure;
    }
    if (step.type === 'done') {
      if (finished) return { attempt, buffered, finished };
      return { kind: 'stream-broken', message: 'the upstream stream ended without a terminal event' };
    }
    buffered.push(step.event);
    if (isContentEvent(step.event)) content = true;
    if (step.event.type === 'finish') {
      finished = true;
      // A 200 with nothing in it is a failure that fails over (a content filter's empty answer is the
      // provider's verdict, not a fault: it is served).
      if (!content && step.event.reason !== 'content-filter') {
        attempt.abort();
        return { kind: 'empty-answer', message: 'the upstream answered with no content and no tool call' };
      }
    }
    if (!input.untilComplete && (content || finished)) return { attempt, buffered, finished };
  }
}

/** The outcome tag of a failed attempt: its HTTP status, `refused`/`reset`, or its kind. */
export function outcomeLabel(failure: Failure): string {
  if (failure.status !== undefined) return String(failure.status);
  if (failure.kind === 'connect') return failure.providerCode === 'ECONNREFUSED' ? 'refused' : 'reset';
  return failure.kind;
}
