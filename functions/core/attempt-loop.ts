import { clientError, type ClientError } from '../ir/client-error.ts';
import type { ProviderDialect, TargetCall } from '../ir/dialect.ts';
import { isContentEvent, type FinishReason, type StreamEvent, type Usage } from '../ir/events.ts';
import { mergeUsage, type LaneTracker } from '../ir/lane.ts';
import type { Failure } from '../ir/failure.ts';
import type { ChatRequest } from '../ir/request.ts';
import { Attempt } from './attempt.ts';
import { withChaos } from './chaos.ts';
import { finalError } from './final-error.ts';
import { CLIENT_GONE, HEDGE_LOST, type Admission, type AttemptRecord, type BreakerOutcome, type BreakerStore, type Clock, type Upstream } from './ports.ts';
import { decide } from './retry-rules.ts';
import type { ResolvedAlias, ResolvedTarget } from './compiled-config.ts';
import type { HedgeBudget } from './hedge-budget.ts';
import { largerWindow } from './routing/context-windows.ts';
import { sleep } from './timers.ts';

export interface LoopDeps {
  breakers: BreakerStore;
  upstream: Upstream;
  clock: Clock;
  random: () => number;
  /** The hedging cost guard shared by the process's requests; absent: no hedging. */
  hedges?: HedgeBudget;
}

export interface LoopInput {
  alias: ResolvedAlias;
  /** The chain to walk, as the routing decision ordered it (default: the alias's own targets). */
  targets?: ResolvedTarget[];
  /** Records of targets the routing decision left out (`skipped-context`), listed first. */
  skipped?: AttemptRecord[];
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
  /** With `untilComplete`: the most answer bytes held in memory (limits.maxAnswerBytes). */
  maxAnswerBytes?: number;
  /**
   * A mid-stream continuation (core/continuation.ts): each target gets its own form of the request,
   * an immediate finish is a whole answer (the break came at its very end), and nothing is hedged.
   */
  continuation?: { requestFor: (target: ResolvedTarget) => ChatRequest };
  /**
   * The pass-through lane is allowed (a streaming client whose answer need not be read as IR):
   * each attempt whose target takes the client's own body forwards it and passes the upstream's
   * bytes through; `tracker` follows them for a later in-band error or continuation.
   */
  passThrough?: { tracker?: () => LaneTracker };
}

/** What a pass-through attempt read up to its commit point, and what its scanner saw. */
export interface LaneRead {
  /** The upstream's bytes up to and including the commit point, to write as they are. */
  bytes: Uint8Array[];
  usage?: Usage;
  finishReason?: FinishReason;
  /** The whole response object a terminal event carried (Responses). */
  final?: Record<string, unknown>;
  tracker?: LaneTracker;
}

/** The attempt that won: its events so far, and the means to read on and settle its breaker. */
export interface Committed {
  kind: 'committed';
  attempt: Attempt;
  target: ResolvedTarget;
  /** Events read before and at the commit point (all of them when `untilComplete`); none on the pass-through lane. */
  buffered: StreamEvent[];
  /** Set when the attempt took the pass-through lane: its frames are read with `attempt.next()`. */
  lane?: LaneRead;
  /** The terminal `finish` event has been read. */
  finished: boolean;
  committedAt: number;
  records: AttemptRecord[];
  /** A hedge was started; `won`: the hedge, not the attempt it hedged, served. */
  hedge?: { won: boolean };
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
  hedge?: { won: boolean };
}

/** An attempt that failed before its commit point. */
interface AttemptFailed {
  kind: 'attempt-failed';
  failure: Failure;
}

/** One attempt under way: its admission, and promises for its first content and its end. */
interface Run {
  target: ResolvedTarget;
  admission: Admission;
  /** Resolves at the attempt's first content event (never, if it fails before). */
  content: Promise<void>;
  done: Promise<Committed | AttemptFailed>;
  /** Aborts the attempt: it lost a hedge race. */
  lose(): Promise<void>;
}

/**
 * The attempt loop (RELIABILITY.md §1): walks the alias's targets in order, skipping open
 * breakers, retrying or failing over as retry-rules.ts decides, under one deadline and at most
 * `maxAttempts` upstream attempts. With `hedgeAfterMs`, an attempt that has no first token by then
 * is raced against the next target (once per request, within the alias's hedge share).
 */
export async function runAttemptLoop(input: LoopInput, deps: LoopDeps): Promise<Committed | Failed> {
  const { alias, deadline } = input;
  const { policy } = alias;
  const { breakers, clock } = deps;
  const settings = alias.policy.breaker;
  const targets = input.targets ?? alias.targets;
  const records: AttemptRecord[] = [...(input.skipped ?? [])];
  // After a context-length error, only a strictly larger window may be tried (never a smaller one).
  let contextFloor: number | undefined;
  const skipped: { target: ResolvedTarget; admission: Extract<Admission, { decision: 'skip' }> }[] = [];
  let attempts = 0;
  let lastFailure: Failure | undefined;
  const hedges = policy.hedgeAfterMs !== undefined && !input.continuation ? deps.hedges : undefined;
  hedges?.request(alias.name);
  let hedge: { won: boolean } | undefined;

  const start = (target: ResolvedTarget, admission: Admission, panic: boolean): Run => {
    attempts++;
    const started = clock.now();
    // Pushed now, filled in later: the header lists attempts in the order they started.
    const record: AttemptRecord = {
      target: target.key,
      provider: target.provider.name,
      model: target.model,
      outcome: 'pending',
      durationMs: 0,
      ...(admission.decision === 'probe' ? { probe: true } : {}),
      ...(panic ? { panic: true } : {}),
    };
    records.push(record);
    let attempt: Attempt | undefined;
    let lost = false;
    let contentSeen!: () => void;
    const content = new Promise<void>((resolve) => (contentSeen = resolve));
    const done = (async (): Promise<Committed | AttemptFailed> => {
      const result = await runOne(target, input, deps, { onAttempt: (a) => (attempt = a), onContent: contentSeen });
      record.outcome = result.kind === 'read' ? '200' : outcomeLabel(result.failure);
      record.durationMs = clock.now() - started;
      if (result.kind === 'attempt-failed' && (lost || input.signal?.aborted)) {
        // Aborted by us (a lost hedge) or the caller hung up: says nothing about the provider.
        record.outcome = lost ? HEDGE_LOST : CLIENT_GONE;
        await breakers.report(target.key, settings, admission, { kind: 'neutral' });
        return result;
      }
      if (result.kind === 'attempt-failed') return result;
      let settled = false;
      return {
        kind: 'committed',
        attempt: result.attempt,
        target,
        buffered: result.buffered,
        ...(result.lane ? { lane: result.lane } : {}),
        finished: result.finished,
        committedAt: clock.now(),
        records,
        ...(hedge ? { hedge } : {}),
        settle: async (outcome, label) => {
          if (settled) return;
          settled = true;
          record.outcome = label;
          record.durationMs = clock.now() - started;
          await breakers.report(target.key, settings, admission, outcome);
        },
      };
    })();
    const lose = async () => {
      lost = true;
      attempt?.abort();
      const result = await done;
      // Committed in the same instant as the winner: release it unread.
      if (result.kind === 'committed') {
        result.attempt.abort();
        await result.settle({ kind: 'neutral' }, HEDGE_LOST);
      }
    };
    return { target, admission, content, done, lose };
  };

  /** Settles one failed attempt with its breaker; `stop` when the retry rules end the request. */
  const counted = async (run: Run, failure: Failure, tries: number, position: number) => {
    lastFailure = failure;
    const decision = decide(failure, {
      policy,
      triesOnTarget: tries,
      remainingMs: deadline - clock.now(),
      hasNextTarget: position < targets.length - 1,
      breakerQuiet: run.admission.decision === 'allow' && !run.admission.failing,
      attemptsLeft: policy.maxAttempts - attempts,
      now: clock.now(),
      random: deps.random,
    });
    await breakers.report(run.target.key, settings, run.admission, decision.breaker);
    if (failure.kind === 'context-length' && run.target.contextWindow !== undefined) contextFloor = Math.max(contextFloor ?? 0, run.target.contextWindow);
    return decision;
  };

  /** Admits the first target after `position` whose breaker lets it through, recording skips. */
  const admitNext = async (from: number): Promise<{ position: number; admission: Admission } | undefined> => {
    for (let position = from; position < targets.length; position++) {
      const target = targets[position]!;
      if (contextFloor !== undefined && !largerWindow(target.contextWindow, contextFloor)) {
        records.push({ target: target.key, provider: target.provider.name, model: target.model, outcome: 'skipped-context', durationMs: 0 });
        continue;
      }
      const admission = await breakers.admit(target.key, settings, Math.max(1, deadline - clock.now()));
      if (admission.decision !== 'skip') return { position, admission };
      skipped.push({ target, admission });
      records.push({ target: target.key, provider: target.provider.name, model: target.model, outcome: `skipped-${admission.reason}`, durationMs: 0 });
    }
    return undefined;
  };

  let next = await admitNext(0);
  while (next) {
    const { position } = next;
    let { admission } = next;
    const target = targets[position]!;
    let tries = 0;
    next = undefined;
    for (;;) {
      if (input.signal?.aborted) return cancelled();
      if (attempts >= policy.maxAttempts || clock.now() >= deadline) return exhausted();
      tries++;
      const run = start(target, admission, false);
      const raced = hedges && !hedge && attempts < policy.maxAttempts ? await hedged(run, position) : undefined;
      if (raced?.kind === 'committed') return raced;
      if (raced?.kind === 'both-failed') {
        if (input.signal?.aborted) return cancelled();
        if (raced.stop) return raced.stop;
        next = await admitNext(raced.position + 1);
        break;
      }
      const result = await run.done;
      if (result.kind === 'committed') return result;
      if (input.signal?.aborted) return cancelled();
      const decision = await counted(run, result.failure, tries, position);
      if (!decision.retrySame && !decision.failover) return gaveUp(result.failure);
      if (!decision.retrySame || attempts >= policy.maxAttempts) {
        next = await admitNext(position + 1);
        break;
      }
      try {
        await sleep(decision.delayMs, input.signal);
      } catch {
        return input.signal?.aborted ? cancelled() : exhausted();
      }
      const again = await breakers.admit(target.key, settings, Math.max(1, deadline - clock.now()));
      // A cooldown this very request just set (a 429 waited out here) does not stop its own retry.
      if (again.decision === 'skip' && again.reason !== 'cooldown') {
        next = await admitNext(position + 1);
        break;
      }
      admission = again.decision === 'skip' ? { decision: 'allow', generation: again.generation } : again;
    }
  }

  // Every target open and none tried: do not fail instantly. Try the one that reopens first, once.
  if (attempts === 0 && skipped.length > 0 && clock.now() < deadline) {
    const soonest = skipped.reduce((a, b) => (b.admission.until < a.admission.until ? b : a));
    if (soonest.admission.reason !== 'forced-open') {
      const result = await start(soonest.target, soonest.admission, true).done;
      if (result.kind === 'committed') return result;
      if (input.signal?.aborted) return cancelled();
      lastFailure = result.failure;
      await breakers.report(soonest.target.key, settings, soonest.admission, { kind: 'failure' });
    }
  }
  return exhausted();

  /**
   * Hedging: waits `hedgeAfterMs` for the run's first content; if none came (and it has not
   * ended), starts the next usable target and takes whichever produces content first. Undefined:
   * no hedge was started, the run goes on as usual.
   */
  async function hedged(
    run: Run,
    position: number,
  ): Promise<Committed | { kind: 'both-failed'; position: number; stop?: Failed } | undefined> {
    const timer = delay(policy.hedgeAfterMs!);
    const first = await Promise.race([run.content.then(() => 'content' as const), run.done.then(() => 'done' as const), timer.promise]);
    timer.cancel();
    if (first !== 'timer' || input.signal?.aborted) return undefined;
    const later = position < targets.length - 1 && hedges!.tryHedge(alias.name, policy.hedgeMaxShare) ? await admitNext(position + 1) : undefined;
    if (!later) return undefined;
    hedge = { won: false };
    const other = start(targets[later.position]!, later.admission, false);
    const runs = [run, other];
    const failures: { run: Run; failure: Failure; position: number }[] = [];
    let pending = runs;
    while (pending.length > 0) {
      const { winner, ended } = await Promise.race(
        pending.map((r) =>
          Promise.race([r.content.then(() => ({ winner: r, ended: false })), r.done.then(() => ({ winner: r, ended: true }))]),
        ),
      );
      const result = ended ? await winner.done : undefined;
      if (!result || result.kind === 'committed') {
        hedge.won = winner === other;
        await Promise.all(pending.filter((r) => r !== winner).map((r) => r.lose()));
        const served = await winner.done;
        if (served.kind === 'committed') {
          // The other may have failed on its own before: that is its provider's failure.
          for (const f of failures) await counted(f.run, f.failure, 1, f.position);
          return served;
        }
        // It failed after its first content (a whole answer was awaited): counted like any failure.
        failures.push({ run: winner, failure: served.failure, position: winner === other ? later.position : position });
        break;
      }
      failures.push({ run: winner, failure: result.failure, position: winner === other ? later.position : position });
      pending = pending.filter((r) => r !== winner);
    }
    let stop: Failed | undefined;
    for (const { run: failedRun, failure, position: at } of failures) {
      if (input.signal?.aborted) break;
      const decision = await counted(failedRun, failure, 1, at);
      if (!decision.retrySame && !decision.failover) stop ??= gaveUp(failure);
    }
    return { kind: 'both-failed', position: later.position, ...(stop ? { stop } : {}) };
  }

  function gaveUp(failure: Failure): Failed {
    return { kind: 'failed', error: finalError(failure, { alias: alias.name, summary: '' }), records, exhausted: false, ...(hedge ? { hedge } : {}) };
  }

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
      ...(hedge ? { hedge } : {}),
    };
  }
}

/** A timer as a promise that can be cancelled (the hedge's wait). */
function delay(ms: number): { promise: Promise<'timer'>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<'timer'>((resolve) => {
    timer = setTimeout(() => resolve('timer'), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** An attempt read up to its commit point. */
interface AttemptRead {
  kind: 'read';
  attempt: Attempt;
  buffered: StreamEvent[];
  lane?: LaneRead;
  finished: boolean;
}

/**
 * The lane of one attempt, chosen here only: the pass-through lane when it is allowed and the
 * target's dialect takes the client's own body as sent (same API, nothing to repair), else the
 * translation lane (undefined). A continuation always translates: its request is the proxy's.
 */
function passThroughBody(input: LoopInput, dialect: ProviderDialect, request: ChatRequest, call: TargetCall): Record<string, unknown> | undefined {
  if (!input.passThrough || input.continuation || input.untilComplete || !dialect.forward || !dialect.forwardBody) return undefined;
  return dialect.forwardBody(request, call);
}

/** One attempt up to its commit point: the first content event, or the whole answer. */
async function runOne(
  target: ResolvedTarget,
  input: LoopInput,
  deps: LoopDeps,
  hooks: { onAttempt: (attempt: Attempt) => void; onContent: () => void },
): Promise<AttemptRead | AttemptFailed> {
  const attempt = new Attempt({
    target,
    policy: input.alias.policy,
    clock: deps.clock,
    deadline: input.deadline,
    ...(input.signal ? { parentSignal: input.signal } : {}),
  });
  hooks.onAttempt(attempt);
  const dialect = target.chaos ? withChaos(target.dialect, target.chaos, deps.random) : target.dialect;
  const request = input.continuation ? input.continuation.requestFor(target) : input.request;
  const forwardHeaders = input.forwardHeaders(target);
  const body = passThroughBody(input, dialect, request, { provider: target.provider, model: target.model, forwardHeaders });
  if (body) return runPassThrough(attempt, body, dialect, input, deps, hooks);
  const opened = await attempt.open(request, dialect, deps.upstream, forwardHeaders);
  if (opened) return { kind: 'attempt-failed', failure: opened };
  const buffered: StreamEvent[] = [];
  let finished = false;
  let content = false;
  let answerBytes = 0;
  for (;;) {
    const step = await attempt.next();
    if (step.type === 'failure') {
      // After the terminal event a broken tail costs nothing: the answer is whole.
      if (finished) return { kind: 'read', attempt, buffered, finished };
      attempt.abort();
      return { kind: 'attempt-failed', failure: step.failure };
    }
    if (step.type === 'done') {
      if (finished) return { kind: 'read', attempt, buffered, finished };
      return { kind: 'attempt-failed', failure: { kind: 'stream-broken', message: 'the upstream stream ended without a terminal event' } };
    }
    // Frames come only from a pass-through attempt (runPassThrough).
    if (step.type !== 'event') continue;
    buffered.push(step.event);
    if (input.untilComplete && input.maxAnswerBytes !== undefined) {
      answerBytes += eventBytes(step.event);
      if (answerBytes > input.maxAnswerBytes) {
        attempt.abort();
        return { kind: 'attempt-failed', failure: answerTooLarge(input.maxAnswerBytes) };
      }
    }
    if (!content && isContentEvent(step.event)) {
      content = true;
      hooks.onContent();
    }
    if (step.event.type === 'finish') {
      finished = true;
      // A 200 with nothing in it is a failure that fails over (a content filter's empty answer is the
      // provider's verdict, not a fault: it is served). A continuation that finishes at once says
      // the answer was already whole.
      if (!content && step.event.reason !== 'content-filter' && !input.continuation) {
        attempt.abort();
        return { kind: 'attempt-failed', failure: { kind: 'empty-answer', message: 'the upstream answered with no content and no tool call' } };
      }
    }
    if (!input.untilComplete && (content || finished)) return { kind: 'read', attempt, buffered, finished };
  }
}

/** runOne on the pass-through lane (streaming clients): frames up to the first content, as events are on the other lane. */
async function runPassThrough(
  attempt: Attempt,
  body: Record<string, unknown>,
  dialect: ProviderDialect,
  input: LoopInput,
  deps: LoopDeps,
  hooks: { onContent: () => void },
): Promise<AttemptRead | AttemptFailed> {
  const tracker = input.passThrough?.tracker?.();
  const opened = await attempt.forward(body, dialect, deps.upstream, input.forwardHeaders(attempt.target), tracker);
  if (opened) return { kind: 'attempt-failed', failure: opened };
  const lane: LaneRead = { bytes: [], ...(tracker ? { tracker } : {}) };
  let finished = false;
  let content = false;
  for (;;) {
    const step = await attempt.next();
    if (step.type === 'failure') {
      if (finished) return { kind: 'read', attempt, buffered: [], lane, finished };
      attempt.abort();
      return { kind: 'attempt-failed', failure: step.failure };
    }
    if (step.type === 'done') {
      if (finished) return { kind: 'read', attempt, buffered: [], lane, finished };
      return { kind: 'attempt-failed', failure: { kind: 'stream-broken', message: 'the upstream stream ended without a terminal event' } };
    }
    if (step.type !== 'frame') continue;
    const { frame } = step;
    if (frame.bytes.length > 0) lane.bytes.push(frame.bytes);
    if (frame.usage) lane.usage = mergeUsage(lane.usage, frame.usage);
    if (frame.content && !content) {
      content = true;
      hooks.onContent();
    }
    if (frame.terminal) {
      finished = true;
      lane.finishReason = frame.terminal.reason;
      if (frame.terminal.final) lane.final = frame.terminal.final;
      // As on the other lane: a 200 with nothing in it fails over, a content filter's verdict is served.
      if (!content && frame.terminal.reason !== 'content-filter') {
        attempt.abort();
        return { kind: 'attempt-failed', failure: { kind: 'empty-answer', message: 'the upstream answered with no content and no tool call' } };
      }
    }
    if (content || finished) return { kind: 'read', attempt, buffered: [], lane, finished };
  }
}

/** What an event adds to an aggregated answer. */
function eventBytes(event: StreamEvent): number {
  if (event.type === 'text-delta' || event.type === 'reasoning-delta') return Buffer.byteLength(event.text);
  if (event.type === 'tool-call-delta') return Buffer.byteLength(event.arguments);
  return 0;
}

/**
 * A non-streamed answer too large to hold: the caller asked for more than the proxy aggregates,
 * which says nothing about the provider (neutral, no failover: the next target would answer as
 * much). Streaming the same request has no such bound.
 */
function answerTooLarge(limit: number): Failure {
  return {
    kind: 'invalid-request',
    providerCode: 'answer_too_large',
    message: `the answer exceeds limits.maxAnswerBytes (${limit} bytes) for a non-streamed request; ask for it streamed (stream: true) or lower max_tokens`,
  };
}

/** The outcome tag of a failed attempt: its HTTP status, `refused`/`reset`, or its kind. */
export function outcomeLabel(failure: Failure): string {
  if (failure.status !== undefined) return String(failure.status);
  if (failure.kind === 'connect') return failure.providerCode === 'ECONNREFUSED' ? 'refused' : 'reset';
  return failure.kind;
}
