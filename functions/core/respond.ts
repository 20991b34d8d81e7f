import { AnswerBuilder } from '../ir/answer.ts';
import type { ClientError } from '../ir/client-error.ts';
import type { IngressDialect, ResponseMeta, StreamEncoder } from '../ir/dialect.ts';
import type { FinishReason, StreamEvent, Usage } from '../ir/events.ts';
import type { Failure } from '../ir/failure.ts';
import { mergeUsage, type LaneFrame, type LaneTracker } from '../ir/lane.ts';
import type { Committed, LaneRead } from './attempt-loop.ts';
import { AnswerDigest } from './answer-digest.ts';
import { ContinuationSplice, SentAnswer } from './continuation.ts';
import type { ProxyResponse } from './exchange.ts';
import { midStreamError } from './final-error.ts';
import { CLIENT_GONE, type BreakerOutcome } from './ports.ts';
import type { Continue } from './stream-continuation.ts';

/** How a served response ended, for the request record. */
export interface Served {
  usage?: Usage;
  /** Failed after the commit point (the client got an in-band error). */
  truncated: boolean;
  /** The client went away before the end. */
  cancelled: boolean;
  /** When a finish event came. */
  finishReason?: FinishReason;
  /** Continuations that carried the stream on; `continuationFailed`: the last one asked for failed. */
  continued?: number;
  continuationFailed?: boolean;
  /** The answer's text, first 8 K characters: only when `collect` was asked (a shadowed request). */
  text?: string;
}

/** Ask for the served text (a shadow comparison needs it; others pay nothing). */
export interface CollectOptions {
  collect?: boolean;
}

export interface StreamOptions extends CollectOptions {
  /** Mid-stream continuation (policy.continueStreams): how to ask, and at most how many times. */
  continuation?: { continue: Continue; max: number };
}

/**
 * `x-understudy-attempts`, shared by answers and errors: every target tried or skipped, in order,
 * as `provider/model=outcome`, with `;probe` on a half-open probe and `;panic` on the all-open try.
 */
export function attemptsHeader(committed: Pick<Committed, 'records'>): string {
  return committed.records.map((r) => `${r.target}=${r.outcome}${r.probe ? ';probe' : ''}${r.panic ? ';panic' : ''}`).join(',');
}

/** A final error in the caller's dialect: status, headers and JSON text, written in one piece. */
export function errorResponse(ingress: IngressDialect, error: ClientError, extraHeaders: Record<string, string> = {}): ProxyResponse {
  return renderedError(ingress, error, extraHeaders);
}

/** A final error as status, headers and JSON text (also what the local server's early refusals write). */
export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function renderedError(ingress: IngressDialect, error: ClientError, extraHeaders: Record<string, string> = {}): RenderedError {
  const { status, body } = ingress.renderError(error);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-should-retry': 'false', ...extraHeaders };
  if (error.retryAfterSec !== undefined) headers['retry-after'] = String(error.retryAfterSec);
  return { status, headers, body };
}

/**
 * A complete answer (non-streaming client). The breaker is settled beside the response, not
 * before it: `served` resolves once it is.
 */
export function answerResponse(
  committed: Committed,
  ingress: IngressDialect,
  meta: ResponseMeta,
  headers: Record<string, string>,
  options: CollectOptions = {},
): { response: ProxyResponse; served: Promise<Served> } {
  const builder = new AnswerBuilder();
  const digest = new AnswerDigest(options.collect === true);
  for (const event of committed.buffered) {
    builder.add(event);
    digest.add(event);
  }
  const answer = builder.result();
  const body = ingress.renderAnswer(answer, { ...meta, model: answer.model ?? meta.model });
  headers['x-understudy-attempts'] = attemptsHeader(committed);
  const served = committed.settle({ kind: 'success' }, '200').then((): Served => ({ ...digest.summary(), truncated: false, cancelled: false }));
  return { response: { status: 200, headers: { 'content-type': 'application/json', ...headers }, body }, served };
}

/**
 * A streamed answer after the commit point: replays the buffered events, then reads on with
 * back-pressure (one upstream event per chunk the adapter asks for). A failure from here on
 * becomes an in-band error in the client's dialect and the stream closes: never a clean finish.
 */
export function streamResponse(
  committed: Committed,
  ingress: IngressDialect,
  meta: ResponseMeta,
  headers: Record<string, string>,
  options: StreamOptions = {},
): { response: ProxyResponse; served: Promise<Served> } {
  const body = new StreamedAnswer(committed, ingress, meta, new AnswerDigest(options.collect === true), options.continuation);
  headers['x-understudy-attempts'] = attemptsHeader(committed);
  return {
    response: { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers }, body },
    served: body.served,
  };
}

const END: IteratorResult<string> = { done: true, value: undefined };

type Chunk = string | Uint8Array;

/**
 * The body of a streamed answer, pulled by the adapter chunk by chunk. `return()` is the client
 * leaving: it stops the upstream read at once, even while a read is pending, and settles the
 * breaker as neutral (a hang-up says nothing about the provider).
 *
 * Two lanes: a translated attempt's IR events go through the client dialect's encoder; a
 * pass-through attempt's frames are the upstream's own bytes, written as they came. After a
 * pass-through stream breaks, the in-band error — or a continuation's events — are written by the
 * lane tracker's encoder, positioned after what the client already has.
 */
class StreamedAnswer implements AsyncIterableIterator<Chunk> {
  readonly served: Promise<Served>;
  private resolveServed!: (served: Served) => void;
  /** The attempt being read: the committed one, then each continuation's. */
  private committed: Committed;
  /** The request's attempt records (the log line's), which continuations' attempts join. */
  private readonly records: Committed['records'];
  private readonly ingress: IngressDialect;
  private readonly meta: ResponseMeta;
  /** Writes IR events: the client dialect's encoder, or (after a pass-through part) the lane tracker's. */
  private encoder: StreamEncoder | undefined;
  /** While the stream is passed through: what follows the client's stream state. */
  private lane: { tracker: LaneTracker | undefined } | undefined;
  private readonly digest: AnswerDigest;
  private readonly continuation: StreamOptions['continuation'];
  /** What the client has been sent, as continuation sees it. */
  private sent = new SentAnswer();
  /** Maps the current continuation's events into the stream (absent before any continuation). */
  private splice: ContinuationSplice | undefined;
  private continued = 0;
  private continuationFailed = false;
  private replayed = false;
  private finished: boolean;
  private ended = false;

  constructor(committed: Committed, ingress: IngressDialect, meta: ResponseMeta, digest: AnswerDigest, continuation?: StreamOptions['continuation']) {
    this.committed = committed;
    this.records = committed.records;
    this.ingress = ingress;
    this.meta = meta;
    if (committed.lane) this.lane = { tracker: committed.lane.tracker };
    else this.encoder = ingress.createEncoder(meta);
    this.digest = digest;
    this.continuation = continuation;
    this.finished = committed.finished;
    this.served = new Promise<Served>((resolve) => (this.resolveServed = resolve));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Chunk>> {
    if (this.ended) return END;
    if (!this.replayed) {
      this.replayed = true;
      const lane = this.committed.lane;
      const first = lane ? this.replayLane(lane) : this.encode(this.committed.buffered);
      if (first.length > 0) return { done: false, value: first };
    }
    for (;;) {
      const step = await this.committed.attempt.next();
      if (this.ended) return END;
      if (step.type === 'frame') {
        this.read(step.frame);
        if (step.frame.bytes.length > 0) return { done: false, value: step.frame.bytes };
        continue;
      }
      if (step.type === 'event') {
        const text = this.encode(this.splice ? this.splice.map(step.event) : [step.event]);
        if (text) return { done: false, value: text };
        continue;
      }
      // After the terminal event a broken tail costs nothing: the answer is whole.
      if (this.finished) return this.end();
      // The caller hung up and the abort broke the upstream read: neutral, like return() below.
      if (this.committed.attempt.cancelled) return this.cancel();
      const failure: Failure = step.type === 'done' ? { kind: 'stream-broken', message: 'the upstream stream ended without a terminal event' } : step.failure;
      // Text a continuation's trimmer still held back is the client's, whatever comes next.
      const held = this.splice ? this.encode(this.splice.flush()) : '';
      const resumed = await this.resume(failure);
      if (this.ended) return END;
      if (resumed !== undefined) {
        if (held + resumed) return { done: false, value: held + resumed };
        continue;
      }
      const closing = this.end(failure);
      return held ? { done: false, value: held + (closing.value as string) } : closing;
    }
  }

  /**
   * Mid-stream continuation (core/continuation.ts): when the text sent so far can be carried on,
   * the broken attempt is settled as failed and the chain is asked for the rest. Returns the bytes
   * that begin the continuation (a marking SSE comment, then its first events), or undefined when
   * the stream cannot or could not be continued.
   */
  private async resume(failure: Failure): Promise<string | undefined> {
    const plan = this.continuation;
    if (this.lane) {
      // What the passed-through part sent, as the tracker followed it (nothing continuable without one).
      const sent = this.lane.tracker?.sent();
      this.sent = SentAnswer.of(sent?.text ?? '', sent?.continuable === true, this.digest.usage);
    }
    if (!plan || this.continued >= plan.max || !this.sent.continuable()) return undefined;
    const broken = this.committed;
    await broken.settle(failureOutcome(failure), failureLabel(failure));
    const next = await plan.continue(broken.target, this.sent.text, failure);
    this.records.push(...next.records);
    if (next.kind === 'failed') {
      this.continuationFailed = !next.cancelled;
      return undefined;
    }
    if (this.ended) {
      // The client left while the continuation was being found.
      next.attempt.abort();
      await next.settle({ kind: 'neutral' }, CLIENT_GONE);
      return undefined;
    }
    this.continued++;
    this.committed = next;
    this.finished = false;
    // A continuation is translated: its events are written after what the passed-through part sent.
    this.encoder ??= this.laneEncoder();
    this.lane = undefined;
    this.splice = new ContinuationSplice(this.sent);
    // An SSE comment marks the seam for whoever reads the raw stream; SDKs skip comments.
    const marker = `: understudy continued from ${broken.target.key} on ${next.target.key}\n\n`;
    return marker + this.encode(next.buffered.flatMap((event) => this.splice!.map(event)));
  }

  /** The client went away. */
  async return(): Promise<IteratorResult<Chunk>> {
    if (!this.ended) void this.cancel();
    return END;
  }

  private encode(events: StreamEvent[]): string {
    let text = '';
    for (const event of events) {
      this.digest.add(event);
      this.sent.add(event);
      if (event.type === 'finish') this.finished = true;
      text += this.encoder!.event(event);
    }
    return text;
  }

  /** The pass-through attempt's bytes up to its commit point, and what its scanner read in them. */
  private replayLane(lane: LaneRead): Uint8Array {
    if (lane.usage) this.digest.usage = mergeUsage(this.digest.usage, lane.usage);
    if (lane.finishReason) this.digest.finishReason = lane.finishReason;
    if (lane.final) this.meta.onResponse?.(lane.final);
    return lane.bytes.length === 1 ? lane.bytes[0]! : Buffer.concat(lane.bytes);
  }

  /** One pass-through frame: its bytes go out as they are; usage and the terminal event are noted. */
  private read(frame: LaneFrame): void {
    if (frame.usage) this.digest.usage = mergeUsage(this.digest.usage, frame.usage);
    if (frame.terminal) {
      this.finished = true;
      this.digest.finishReason = frame.terminal.reason;
      // The upstream's own final response object is what a Responses store keeps.
      if (frame.terminal.final) this.meta.onResponse?.(frame.terminal.final);
    }
  }

  /** The encoder that writes after a passed-through part: the tracker's, else the dialect's own. */
  private laneEncoder(): StreamEncoder {
    return this.lane?.tracker?.encoder(this.meta) ?? this.ingress.createEncoder(this.meta);
  }

  /** The closing bytes: a clean end, or an in-band error. The breaker settles beside the write. */
  private end(failure?: Failure): IteratorResult<Chunk> {
    this.ended = true;
    const truncated = failure !== undefined;
    const settling = failure ? this.committed.settle(failureOutcome(failure), failureLabel(failure)) : this.committed.settle({ kind: 'success' }, '200');
    const continuation = {
      ...(this.continued > 0 ? { continued: this.continued } : {}),
      ...(this.continuationFailed ? { continuationFailed: true } : {}),
    };
    void settling.then(() => this.resolveServed({ ...this.digest.summary(), truncated, cancelled: false, ...continuation }));
    if (this.lane) {
      // A passed-through stream that ended cleanly already carried its own closing frame.
      if (!failure) return END;
      return { done: false, value: this.laneEncoder().fail(midStreamError(failure)) };
    }
    return { done: false, value: failure ? this.encoder!.fail(midStreamError(failure)) : this.encoder!.end() };
  }

  private async cancel(): Promise<IteratorResult<Chunk>> {
    this.ended = true;
    this.committed.attempt.abort();
    // The client left: that says nothing about the provider's health.
    await this.committed.settle({ kind: 'neutral' }, CLIENT_GONE);
    this.resolveServed({ ...this.digest.summary(), truncated: false, cancelled: true });
    return END;
  }
}

/** What a failure after the commit point counts for the served attempt's breaker. */
function failureOutcome(failure: Failure): BreakerOutcome {
  return { kind: 'failure', slow: failure.kind === 'idle-timeout' };
}

function failureLabel(failure: Failure): string {
  return failure.kind === 'stream-broken' ? 'cut' : failure.kind;
}
