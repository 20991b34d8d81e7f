import { parseSse } from '../dialects/shared/sse.ts';

/** The client dialect a drill speaks: what an application with a stock SDK would send. */
export type DrillDialect = 'openai' | 'anthropic';

/** One target the proxy tried or skipped, from `x-understudy-attempts`. */
export interface AttemptSeen {
  target: string;
  outcome: string;
  probe: boolean;
  panic: boolean;
}

/** What one drill request showed: who served, what was tried, and whether the answer was whole. */
export interface Exchange {
  status: number;
  /** `provider/model` from x-understudy-provider and x-understudy-model. */
  servedBy?: string;
  attempts: AttemptSeen[];
  /** The answer was complete and well-formed in the client's own format (terminal event, no in-band error). */
  complete: boolean;
  /** Why not, or the error the proxy answered with (never the answer's text). */
  problem?: string;
  latencyMs: number;
}

export interface DrillClientOptions {
  /** The proxy's base URL: `http://127.0.0.1:8787`, a function URL, with or without `/v1`. */
  url: string;
  alias: string;
  key?: string;
  dialect: DrillDialect;
  /** Bound of one request (the proxy's own deadline is usually longer). */
  timeoutMs?: number;
}

/** A question that costs a handful of tokens on any model. */
const PROMPT = 'Reply with the single word: ok';
const MAX_TOKENS = 16;
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * The drill's client: plain HTTP as a stock SDK would send it, reading the headers that name who
 * served and checking that the answer is well-formed in the caller's format, streamed or not.
 */
export class DrillClient {
  readonly base: string;
  private readonly options: DrillClientOptions;

  constructor(options: DrillClientOptions) {
    this.options = options;
    this.base = proxyBase(options.url);
  }

  async send(stream: boolean, signal?: AbortSignal): Promise<Exchange> {
    const { dialect, alias, key } = this.options;
    const started = Date.now();
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let path: string;
    let body: Record<string, unknown>;
    if (dialect === 'anthropic') {
      path = '/v1/messages';
      headers['anthropic-version'] = '2023-06-01';
      if (key) headers['x-api-key'] = key;
      body = { model: alias, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: PROMPT }], ...(stream ? { stream: true } : {}) };
    } else {
      path = '/v1/chat/completions';
      if (key) headers.authorization = `Bearer ${key}`;
      body = { model: alias, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: PROMPT }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) };
    }
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      return { status: 0, attempts: [], complete: false, problem: `no answer: ${(error as Error).message}`, latencyMs: Date.now() - started };
    }
    const seen = {
      status: response.status,
      attempts: parseAttempts(response.headers.get('x-understudy-attempts')),
      ...servedBy(response.headers),
    };
    let verdict: { complete: boolean; problem?: string };
    try {
      verdict = response.status !== 200 ? { complete: false, problem: await errorMessage(response) } : stream ? await checkStream(response, dialect) : await checkAnswer(response, dialect);
    } catch (error) {
      verdict = { complete: false, problem: `the answer broke off: ${(error as Error).message}` };
    }
    return { ...seen, ...verdict, latencyMs: Date.now() - started };
  }
}

/** Accepts the base URL in any form an operator copies it: trailing slash, `/v1`, or neither. */
export function proxyBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** `openai/gpt-4o=503;probe,anthropic/claude=200` → entries (model ids hold neither `,` nor `=`). */
export function parseAttempts(header: string | null): AttemptSeen[] {
  if (!header) return [];
  return header.split(',').map((entry) => {
    const eq = entry.lastIndexOf('=');
    const [outcome = '', ...marks] = entry.slice(eq + 1).split(';');
    return { target: entry.slice(0, eq), outcome, probe: marks.includes('probe'), panic: marks.includes('panic') };
  });
}

function servedBy(headers: Headers): { servedBy?: string } {
  const provider = headers.get('x-understudy-provider');
  const model = headers.get('x-understudy-model');
  return provider && model ? { servedBy: `${provider}/${model}` } : {};
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return `${response.status}: ${body.error.message}`;
  } catch {
    // not JSON: say so below
  }
  return `${response.status} without an error body in the caller's format`;
}

async function checkAnswer(response: Response, dialect: DrillDialect): Promise<{ complete: boolean; problem?: string }> {
  const body = (await response.json()) as Record<string, unknown>;
  if (dialect === 'anthropic') {
    const ok = body.type === 'message' && Array.isArray(body.content) && typeof body.stop_reason === 'string';
    return ok ? { complete: true } : { complete: false, problem: 'the answer is not an Anthropic message with a stop_reason' };
  }
  const choice = (body.choices as { message?: unknown; finish_reason?: unknown }[] | undefined)?.[0];
  const ok = body.object === 'chat.completion' && choice?.message !== undefined && typeof choice.finish_reason === 'string';
  return ok ? { complete: true } : { complete: false, problem: 'the answer is not a chat.completion with a finish_reason' };
}

/**
 * A stream is complete when it ends the way the caller's SDK expects: OpenAI chunks with a
 * finish_reason and then `[DONE]`; Anthropic from message_start to message_stop. Any in-band error
 * event means the proxy failed after its commit point.
 */
async function checkStream(response: Response, dialect: DrillDialect): Promise<{ complete: boolean; problem?: string }> {
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return { complete: false, problem: 'a streamed request was not answered with text/event-stream' };
  if (!response.body) return { complete: false, problem: 'an empty stream' };
  let first = true;
  let finished = false;
  let ended = false;
  // Node's web streams are async iterable; the DOM typings in use do not say so.
  for await (const message of parseSse(response.body as unknown as AsyncIterable<Uint8Array>)) {
    if (ended) return { complete: false, problem: 'events after the end of the stream' };
    if (dialect === 'openai') {
      if (message.data === '[DONE]') {
        ended = true;
        continue;
      }
      const chunk = JSON.parse(message.data) as { object?: unknown; error?: { message?: unknown }; choices?: { finish_reason?: unknown }[] };
      if (chunk.error) return { complete: false, problem: `in-band error: ${String(chunk.error.message)}` };
      if (chunk.object !== 'chat.completion.chunk') return { complete: false, problem: 'a stream event that is not a chat.completion.chunk' };
      if (chunk.choices?.some((c) => typeof c.finish_reason === 'string')) finished = true;
      continue;
    }
    const event = JSON.parse(message.data) as { type?: unknown; error?: { message?: unknown }; delta?: { stop_reason?: unknown } };
    if (first && event.type !== 'message_start') return { complete: false, problem: 'the stream does not begin with message_start' };
    first = false;
    if (event.type === 'error') return { complete: false, problem: `in-band error: ${String(event.error?.message)}` };
    if (event.type === 'message_delta' && typeof event.delta?.stop_reason === 'string') finished = true;
    if (event.type === 'message_stop') ended = true;
  }
  if (!finished) return { complete: false, problem: 'the stream ended without a finish reason' };
  if (!ended) return { complete: false, problem: dialect === 'openai' ? 'the stream ended without [DONE]' : 'the stream ended without message_stop' };
  return { complete: true };
}
