import { AnswerBuilder } from '../ir/answer.ts';
import type { ClientError } from '../ir/client-error.ts';
import type { IngressDialect, ResponseMeta } from '../ir/dialect.ts';
import type { FinishReason, Usage } from '../ir/events.ts';
import type { Failure } from '../ir/failure.ts';
import type { Committed } from './attempt-loop.ts';
import { CLIENT_GONE } from './ports.ts';
import { AnswerDigest } from './answer-digest.ts';
import { midStreamError } from './final-error.ts';

/** How a served response ended, for the request record. */
export interface Served {
  usage?: Usage;
  /** Failed after the commit point (the client got an in-band error). */
  truncated: boolean;
  /** The client went away before the end. */
  cancelled: boolean;
  /** When a finish event came. */
  finishReason?: FinishReason;
  /** The answer's text, first 8 K characters: only when `collect` was asked (a shadowed request). */
  text?: string;
}

/** Ask for the served text (a shadow comparison needs it; others pay nothing). */
export interface CollectOptions {
  collect?: boolean;
}

const utf8 = new TextEncoder();

/** An upstream that closed cleanly after content but before its terminal event. */
const UNTERMINATED: Failure = { kind: 'stream-broken', message: 'the upstream stream ended without a terminal event' };

/**
 * `x-understudy-attempts`, shared by answers and errors: every target tried or skipped, in order,
 * as `provider/model=outcome`, with `;probe` on a half-open probe and `;panic` on the all-open try.
 */
export function attemptsHeader(committed: Pick<Committed, 'records'>): string {
  return committed.records.map((r) => `${r.target}=${r.outcome}${r.probe ? ';probe' : ''}${r.panic ? ';panic' : ''}`).join(',');
}

export function errorResponse(ingress: IngressDialect, error: ClientError, extraHeaders: Record<string, string> = {}): Response {
  const { status, headers, body } = renderedError(ingress, error, extraHeaders);
  return new Response(body, { status, headers });
}

/** A final error as status, headers and JSON text in the caller's dialect (no body stream needed). */
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

/** A complete answer (non-streaming client). The breaker is settled before the answer is sent. */
export async function answerResponse(
  committed: Committed,
  ingress: IngressDialect,
  meta: ResponseMeta,
  headers: Record<string, string>,
  options: CollectOptions = {},
): Promise<{ response: Response; served: Served }> {
  const builder = new AnswerBuilder();
  const digest = new AnswerDigest(options.collect === true);
  for (const event of committed.buffered) {
    builder.add(event);
    digest.add(event);
  }
  const answer = builder.result();
  await committed.settle({ kind: 'success' }, '200');
  const body = ingress.renderAnswer(answer, { ...meta, model: answer.model ?? meta.model });
  headers['x-understudy-attempts'] = attemptsHeader(committed);
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'application/json', ...headers } }),
    served: { ...digest.summary(), truncated: false, cancelled: false },
  };
}

/**
 * A streamed answer after the commit point: replays the buffered events, then reads on with
 * back-pressure (one upstream event per pull). A failure from here on becomes an in-band error in
 * the client's dialect and the stream closes: never a clean finish.
 */
export function streamResponse(
  committed: Committed,
  ingress: IngressDialect,
  meta: ResponseMeta,
  headers: Record<string, string>,
  options: CollectOptions = {},
): { response: Response; served: Promise<Served> } {
  const encoder = ingress.createEncoder(meta);
  const digest = new AnswerDigest(options.collect === true);
  let finished = committed.finished;
  let resolveServed!: (served: Served) => void;
  const served = new Promise<Served>((resolve) => (resolveServed = resolve));

  const track = (events: Committed['buffered']) => {
    let text = '';
    for (const event of events) {
      digest.add(event);
      if (event.type === 'finish') finished = true;
      text += encoder.event(event);
    }
    return text;
  };

  const finish = async (controller: ReadableStreamDefaultController<Uint8Array>, failure?: Failure) => {
    if (failure && committed.attempt.cancelled) {
      // The caller hung up and the abort broke the upstream read: neutral, like cancel() below.
      controller.close();
      await committed.settle({ kind: 'neutral' }, CLIENT_GONE);
      resolveServed({ ...digest.summary(), truncated: false, cancelled: true });
      return;
    }
    if (failure) {
      controller.enqueue(utf8.encode(encoder.fail(midStreamError(failure))));
      controller.close();
      await committed.settle({ kind: 'failure', slow: failure.kind === 'idle-timeout' }, failure.kind === 'stream-broken' ? 'cut' : failure.kind);
      resolveServed({ ...digest.summary(), truncated: true, cancelled: false });
      return;
    }
    controller.enqueue(utf8.encode(encoder.end()));
    controller.close();
    await committed.settle({ kind: 'success' }, '200');
    resolveServed({ ...digest.summary(), truncated: false, cancelled: false });
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const first = track(committed.buffered);
        if (first) controller.enqueue(utf8.encode(first));
      },
      async pull(controller) {
        for (;;) {
          const step = await committed.attempt.next();
          if (step.type === 'event') {
            const text = track([step.event]);
            if (text) {
              controller.enqueue(utf8.encode(text));
              return;
            }
            continue;
          }
          // After the terminal event a broken tail costs nothing: the answer is whole.
          if (finished) return finish(controller);
          // A clean close without the terminal event is a truncated answer, not a finish.
          if (step.type === 'done') return finish(controller, UNTERMINATED);
          return finish(controller, step.failure);
        }
      },
      async cancel() {
        committed.attempt.abort();
        // The client left: that says nothing about the provider's health.
        await committed.settle({ kind: 'neutral' }, CLIENT_GONE);
        resolveServed({ ...digest.summary(), truncated: false, cancelled: true });
      },
    },
    { highWaterMark: 0 },
  );

  // An empty answer that already finished before the commit still needs its closing bytes; pull handles it.
  headers['x-understudy-attempts'] = attemptsHeader(committed);
  return {
    response: new Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers },
    }),
    served,
  };
}
