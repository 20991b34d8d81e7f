import type { EffectivePolicy } from '../config/schema.ts';
import type { ProviderDialect } from '../ir/dialect.ts';
import { isContentEvent, type StreamEvent } from '../ir/events.ts';
import { scrubSecrets } from '../dialects/shared/scrub.ts';
import type { Failure, FailureKind } from '../ir/failure.ts';
import type { ChatRequest } from '../ir/request.ts';
import type { Clock, Upstream } from './ports.ts';
import type { ResolvedTarget } from './compiled-config.ts';
import { TIMED_OUT, within } from './timers.ts';

/** What reading the next event of an attempt gave. */
export type Step = { type: 'event'; event: StreamEvent } | { type: 'done' } | { type: 'failure'; failure: Failure };

/**
 * One upstream attempt: opens the provider stream under the header watchdog, then reads events under
 * the first-token and idle watchdogs. Every wait is also bounded by the request's deadline.
 */
export class Attempt {
  readonly target: ResolvedTarget;
  private readonly controller = new AbortController();
  private iterator: AsyncIterator<StreamEvent> | undefined;
  private readonly policy: EffectivePolicy;
  private readonly clock: Clock;
  private readonly deadline: number;
  private sawContent = false;
  /** Set when the abort was ours, so a stream error is labelled with the watchdog that fired. */
  private abortedAs: FailureKind | undefined;
  private clientGone = false;

  constructor(args: { target: ResolvedTarget; policy: EffectivePolicy; clock: Clock; deadline: number; parentSignal?: AbortSignal }) {
    this.target = args.target;
    this.policy = args.policy;
    this.clock = args.clock;
    this.deadline = args.deadline;
    args.parentSignal?.addEventListener(
      'abort',
      () => {
        this.clientGone = true;
        this.abort('stream-broken');
      },
      { once: true },
    );
  }

  /** The caller hung up: whatever failed after that says nothing about the provider (neutral). */
  get cancelled(): boolean {
    return this.clientGone;
  }

  /** Opens the upstream stream. Resolves to a failure value, never throws. */
  async open(request: ChatRequest, dialect: ProviderDialect, upstream: Upstream, forwardHeaders: Record<string, string>): Promise<Failure | undefined> {
    const limit = Math.min(this.policy.headerTimeoutMs, this.remaining());
    const opening = dialect
      .open(request, { provider: this.target.provider, model: this.target.model, forwardHeaders }, { fetch: upstream, signal: this.controller.signal })
      .catch((error: unknown): { ok: false; failure: Failure } => ({
        ok: false,
        failure: { kind: 'connect', message: `provider call failed: ${this.scrub((error as Error)?.message ?? String(error))}` },
      }));
    const opened = await within(opening, limit);
    if (opened === TIMED_OUT) {
      this.abort('header-timeout');
      return this.timeoutFailure('header-timeout', limit);
    }
    if (this.abortedAs) return this.timeoutFailure(this.abortedAs, limit);
    if (!opened.ok) return this.scrubbed(opened.failure);
    this.iterator = opened.events[Symbol.asyncIterator]();
    return undefined;
  }

  /** The next event, under the first-token watchdog until content flows and the idle one after. */
  async next(): Promise<Step> {
    const iterator = this.iterator;
    if (!iterator) return { type: 'done' };
    const watchdog: FailureKind = this.sawContent ? 'idle-timeout' : 'first-token-timeout';
    const limit = Math.min(this.sawContent ? this.policy.idleTimeoutMs : this.policy.firstTokenTimeoutMs, this.remaining());
    let result: IteratorResult<StreamEvent> | typeof TIMED_OUT;
    try {
      result = await within(iterator.next(), limit);
    } catch (error) {
      if (this.abortedAs) return { type: 'failure', failure: this.timeoutFailure(this.abortedAs, limit) };
      return { type: 'failure', failure: { kind: 'stream-broken', message: `upstream stream broke: ${this.scrub((error as Error)?.message ?? String(error))}` } };
    }
    if (result === TIMED_OUT) {
      this.abort(watchdog);
      return { type: 'failure', failure: this.timeoutFailure(watchdog, limit) };
    }
    if (result.done) return { type: 'done' };
    const event = result.value;
    if (event.type === 'error') return { type: 'failure', failure: this.scrubbed(event.failure) };
    if (isContentEvent(event)) this.sawContent = true;
    return { type: 'event', event };
  }

  /** Stops the upstream call (watchdog, client gone, or attempt abandoned). */
  abort(as: FailureKind = 'stream-broken'): void {
    if (this.controller.signal.aborted) return;
    this.abortedAs = as;
    this.controller.abort(new Error(as));
    // Let the provider's generator clean up; its rejection is expected and ignored.
    this.iterator?.return?.().catch(() => {});
  }

  /** Upstream text on its way to a caller or a log: this target's key and anything key-shaped removed. */
  private scrub(text: string): string {
    return scrubSecrets(text, [this.target.provider.apiKey]);
  }

  private scrubbed(failure: Failure): Failure {
    return { ...failure, message: this.scrub(failure.message), ...(failure.providerCode ? { providerCode: this.scrub(failure.providerCode) } : {}) };
  }

  private remaining(): number {
    return Math.max(0, this.deadline - this.clock.now());
  }

  private timeoutFailure(kind: FailureKind, limitMs: number): Failure {
    const what = kind === 'header-timeout' ? 'no response headers' : kind === 'first-token-timeout' ? 'no first token' : 'no event';
    const deadline = this.remaining() <= 0 ? ' (request deadline reached)' : '';
    return { kind, message: `${what} within ${limitMs} ms${deadline}` };
  }
}
