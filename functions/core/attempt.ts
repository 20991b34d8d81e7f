import type { EffectivePolicy } from '../config/schema.ts';
import type { ForwardResult, ProviderDialect, ProviderIO, TargetCall } from '../ir/dialect.ts';
import { isContentEvent, type StreamEvent } from '../ir/events.ts';
import type { LaneFrame, LaneTracker } from '../ir/lane.ts';
import { laneFrames } from './lane-frames.ts';
import { scrubSecrets } from '../dialects/shared/scrub.ts';
import type { Failure, FailureKind } from '../ir/failure.ts';
import type { ChatRequest } from '../ir/request.ts';
import type { Clock, Upstream } from './ports.ts';
import type { ResolvedTarget } from './compiled-config.ts';

/** What reading the next event of an attempt gave: an IR event (translation lane) or a frame of upstream bytes (pass-through lane). */
export type Step = { type: 'event'; event: StreamEvent } | { type: 'frame'; frame: LaneFrame } | { type: 'done' } | { type: 'failure'; failure: Failure };

type Opened = { ok: true; items: AsyncIterable<StreamEvent | LaneFrame> } | { ok: false; failure: Failure };

const DONE: Step = { type: 'done' };
const STOPPED = Symbol('stopped');

/**
 * One upstream attempt: opens the provider stream under the header watchdog, then reads events under
 * the first-token and idle watchdogs. Every wait is also bounded by the request's deadline.
 *
 * The watchdogs are one due time per attempt, moved forward by a timestamp on every read; a single
 * timer checks it and re-arms itself for what is left, so a streamed answer costs no timer per
 * event. A watchdog that fires aborts the upstream call: the pending read then fails and is
 * labelled with the watchdog's kind.
 */
export class Attempt {
  readonly target: ResolvedTarget;
  private readonly controller = new AbortController();
  private iterator: AsyncIterator<StreamEvent | LaneFrame> | undefined;
  /** The pass-through lane: frames of the upstream's own bytes instead of IR events. */
  private lane = false;
  private readonly policy: EffectivePolicy;
  private readonly clock: Clock;
  private readonly deadline: number;
  private readonly parentSignal: AbortSignal | undefined;
  private sawContent = false;
  /** Set when the abort was ours, so a stream error is labelled with the watchdog that fired. */
  private abortedAs: FailureKind | undefined;
  private closed = false;
  private clientGone = false;
  private onStop: ((value: typeof STOPPED) => void) | undefined;

  // The watchdog: what is being waited for, until when, and the one timer that checks it.
  private waiting = false;
  private watching: FailureKind = 'header-timeout';
  private limitMs = 0;
  private due = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = 0;

  constructor(args: { target: ResolvedTarget; policy: EffectivePolicy; clock: Clock; deadline: number; parentSignal?: AbortSignal }) {
    this.target = args.target;
    this.policy = args.policy;
    this.clock = args.clock;
    this.deadline = args.deadline;
    this.parentSignal = args.parentSignal;
    this.parentSignal?.addEventListener('abort', this.onParentAbort, { once: true });
  }

  /** The caller hung up: whatever failed after that says nothing about the provider (neutral). */
  get cancelled(): boolean {
    return this.clientGone;
  }

  /** Opens the upstream stream (translation lane: IR events). Resolves to a failure value, never throws. */
  open(request: ChatRequest, dialect: ProviderDialect, upstream: Upstream, forwardHeaders: Record<string, string>): Promise<Failure | undefined> {
    return this.start((target, io) =>
      dialect.open(request, target, io).then((opened): Opened => (opened.ok ? { ok: true, items: opened.events } : opened)),
      upstream,
      forwardHeaders,
    );
  }

  /**
   * Opens the upstream stream on the pass-through lane: `body` is the dialect's forwarded body; the
   * attempt then yields frames of the upstream's bytes, read by its scanner (and `tracker`).
   */
  forward(body: Record<string, unknown>, dialect: ProviderDialect, upstream: Upstream, forwardHeaders: Record<string, string>, tracker?: LaneTracker): Promise<Failure | undefined> {
    this.lane = true;
    return this.start(
      (target, io) =>
        dialect.forward!(body, target, io).then((opened: ForwardResult): Opened => (opened.ok ? { ok: true, items: laneFrames(opened.body, opened.scan, tracker) } : opened)),
      upstream,
      forwardHeaders,
    );
  }

  private async start(call: (target: TargetCall, io: ProviderIO) => Promise<Opened>, upstream: Upstream, forwardHeaders: Record<string, string>): Promise<Failure | undefined> {
    if (this.parentSignal?.aborted) this.onParentAbort();
    const opening = call({ provider: this.target.provider, model: this.target.model, forwardHeaders }, { upstream, signal: this.controller.signal }).catch(
      (error: unknown): Opened => ({
        ok: false,
        failure: { kind: 'connect', message: `provider call failed: ${this.scrub((error as Error)?.message ?? String(error))}` },
      }),
    );
    // A dialect may wait on something that ignores the signal (a lazy SDK load): the open also ends when the attempt stops.
    const stopped = new Promise<typeof STOPPED>((resolve) => (this.onStop = resolve));
    this.watch('header-timeout', this.policy.headerTimeoutMs);
    const opened = this.abortedAs ? STOPPED : await Promise.race([opening, stopped]);
    this.waiting = false;
    this.onStop = undefined;
    if (this.abortedAs || opened === STOPPED) {
      if (opened !== STOPPED && opened.ok) void opened.items[Symbol.asyncIterator]().return?.().catch(() => {});
      this.close();
      return this.abortFailure();
    }
    if (!opened.ok) {
      this.close();
      return opened.failure;
    }
    this.iterator = opened.items[Symbol.asyncIterator]();
    return undefined;
  }

  /** The next event, under the first-token watchdog until content flows and the idle one after. */
  async next(): Promise<Step> {
    const iterator = this.iterator;
    if (!iterator || this.closed) return this.abortedAs ? { type: 'failure', failure: this.abortFailure() } : DONE;
    this.watch(this.sawContent ? 'idle-timeout' : 'first-token-timeout', this.sawContent ? this.policy.idleTimeoutMs : this.policy.firstTokenTimeoutMs);
    let result: IteratorResult<StreamEvent | LaneFrame>;
    try {
      result = await iterator.next();
    } catch (error) {
      this.waiting = false;
      this.close();
      if (this.abortedAs) return { type: 'failure', failure: this.abortFailure() };
      return { type: 'failure', failure: { kind: 'stream-broken', message: `upstream stream broke: ${this.scrub((error as Error)?.message ?? String(error))}` } };
    }
    this.waiting = false;
    if (this.abortedAs) {
      this.close();
      return { type: 'failure', failure: this.abortFailure() };
    }
    if (result.done) {
      this.close();
      return DONE;
    }
    if (this.lane) {
      const frame = result.value as LaneFrame;
      if (frame.failure) return { type: 'failure', failure: this.scrubbed(frame.failure) };
      if (frame.content) this.sawContent = true;
      return { type: 'frame', frame };
    }
    const event = result.value as StreamEvent;
    if (event.type === 'error') return { type: 'failure', failure: this.scrubbed(event.failure) };
    if (!this.sawContent && isContentEvent(event)) this.sawContent = true;
    return { type: 'event', event };
  }

  /** Stops the upstream call (watchdog, client gone, or attempt abandoned). */
  abort(as: FailureKind = 'stream-broken'): void {
    if (this.controller.signal.aborted) return;
    if (this.closed && this.iterator === undefined) return;
    this.abortedAs = as;
    // A plain reason: no AbortError (a DOMException) is built.
    this.controller.abort(as);
    this.onStop?.(STOPPED);
    // Let the provider's generator clean up; its rejection is expected and ignored.
    this.iterator?.return?.().catch(() => {});
    this.close();
  }

  /** Upstream text on its way to a caller or a log: this target's key and anything key-shaped removed. */
  private scrub(text: string): string {
    return scrubSecrets(text, [this.target.provider.apiKey]);
  }

  private scrubbed(failure: Failure): Failure {
    return { ...failure, message: this.scrub(failure.message), ...(failure.providerCode ? { providerCode: this.scrub(failure.providerCode) } : {}) };
  }

  /** The attempt is over: the watchdog stops. The upstream body was released by its reader. */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.parentSignal?.removeEventListener('abort', this.onParentAbort);
  }

  private readonly onParentAbort = () => {
    this.clientGone = true;
    this.abort('stream-broken');
  };

  /** Moves the watchdog's due time; creates a timer only when none is pending early enough. */
  private watch(kind: FailureKind, policyMs: number): void {
    const now = this.clock.now();
    const limit = Math.max(0, Math.min(policyMs, this.deadline - now));
    this.watching = kind;
    this.limitMs = limit;
    this.due = now + limit;
    this.waiting = true;
    if (this.timer !== undefined && this.timerAt <= this.due) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = this.due;
    this.timer = setTimeout(this.check, limit);
  }

  private readonly check = (): void => {
    this.timer = undefined;
    if (this.closed || !this.waiting) return;
    const left = this.due - this.clock.now();
    if (left > 0) {
      this.timerAt = this.due;
      this.timer = setTimeout(this.check, left);
      return;
    }
    this.abort(this.watching);
  };

  private abortFailure(): Failure {
    const kind = this.abortedAs ?? 'stream-broken';
    if (kind === 'stream-broken') return { kind, message: 'the attempt was stopped (the client went away)' };
    const what = kind === 'header-timeout' ? 'no response headers' : kind === 'first-token-timeout' ? 'no first token' : 'no event';
    const deadline = this.deadline - this.clock.now() <= 0 ? ' (request deadline reached)' : '';
    return { kind, message: `${what} within ${this.limitMs} ms${deadline}` };
  }
}
