import type { EffectivePolicy } from '../config/schema.ts';
import type { OpenResult, ProviderDialect } from '../ir/dialect.ts';
import { isContentEvent, type StreamEvent } from '../ir/events.ts';
import { scrubSecrets } from '../dialects/shared/scrub.ts';
import type { Failure, FailureKind } from '../ir/failure.ts';
import type { ChatRequest } from '../ir/request.ts';
import type { Clock, Upstream } from './ports.ts';
import type { ResolvedTarget } from './compiled-config.ts';

/** What reading the next event of an attempt gave. */
export type Step = { type: 'event'; event: StreamEvent } | { type: 'done' } | { type: 'failure'; failure: Failure };

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
  private iterator: AsyncIterator<StreamEvent> | undefined;
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

  /** Opens the upstream stream. Resolves to a failure value, never throws. */
  async open(request: ChatRequest, dialect: ProviderDialect, upstream: Upstream, forwardHeaders: Record<string, string>): Promise<Failure | undefined> {
    if (this.parentSignal?.aborted) this.onParentAbort();
    const opening = dialect
      .open(request, { provider: this.target.provider, model: this.target.model, forwardHeaders }, { upstream, signal: this.controller.signal })
      .catch((error: unknown): OpenResult => ({
        ok: false,
        failure: { kind: 'connect', message: `provider call failed: ${this.scrub((error as Error)?.message ?? String(error))}` },
      }));
    // A dialect may wait on something that ignores the signal (a lazy SDK load): the open also ends when the attempt stops.
    const stopped = new Promise<typeof STOPPED>((resolve) => (this.onStop = resolve));
    this.watch('header-timeout', this.policy.headerTimeoutMs);
    const opened = this.abortedAs ? STOPPED : await Promise.race([opening, stopped]);
    this.waiting = false;
    this.onStop = undefined;
    if (this.abortedAs || opened === STOPPED) {
      if (opened !== STOPPED && opened.ok) void opened.events[Symbol.asyncIterator]().return?.().catch(() => {});
      this.close();
      return this.abortFailure();
    }
    if (!opened.ok) {
      this.close();
      return opened.failure;
    }
    this.iterator = opened.events[Symbol.asyncIterator]();
    return undefined;
  }

  /** The next event, under the first-token watchdog until content flows and the idle one after. */
  async next(): Promise<Step> {
    const iterator = this.iterator;
    if (!iterator || this.closed) return this.abortedAs ? { type: 'failure', failure: this.abortFailure() } : DONE;
    this.watch(this.sawContent ? 'idle-timeout' : 'first-token-timeout', this.sawContent ? this.policy.idleTimeoutMs : this.policy.firstTokenTimeoutMs);
    let result: IteratorResult<StreamEvent>;
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
    const event = result.value;
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
