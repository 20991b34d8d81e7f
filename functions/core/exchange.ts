import type { HeaderReader } from '../ir/upstream.ts';

/**
 * The core's HTTP shapes, free of Node's http module, Lambda and Web streams: each runtime
 * adapter (functions/local, functions/proxy) builds a ProxyRequest from what it receives and
 * writes a ProxyResponse to its own response object.
 */

export type { HeaderReader };

export type BodyRead = { ok: true; bytes: Buffer } | { ok: false; tooLarge: true };

export interface ProxyRequest {
  method: string;
  /** The path, without the query string. */
  path: string;
  /** The raw query string without `?`; '' when none. */
  query: string;
  /** Lower-case names. */
  headers: HeaderReader;
  /**
   * Reads the whole body, at most `limit` bytes counted as they arrive (Content-Length is not
   * trusted). Rejects when the body cannot be read. Call once.
   */
  readBody(limit: number): Promise<BodyRead>;
}

/**
 * The body of a response: complete (a string or bytes), or chunks the adapter writes in order,
 * waiting for each write to drain (back-pressure). When the client goes away the adapter calls
 * the iterator's `return()`: the producer stops its upstream read at once.
 */
export type ResponseBody = string | Uint8Array | AsyncIterable<Uint8Array | string>;

export interface ProxyResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: ResponseBody;
}

/** A complete JSON response. */
export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): ProxyResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

/** Whether the body is streamed (chunks) rather than complete. */
export function isStreamedBody(body: ResponseBody): body is AsyncIterable<Uint8Array | string> {
  return typeof body !== 'string' && !(body instanceof Uint8Array);
}

/** A ProxyRequest over a complete body (Lambda's event, tests, the admin API's callers). */
export function bufferedRequest(fields: { method: string; path: string; query?: string; headers: HeaderReader; body?: Uint8Array | string }): ProxyRequest {
  const bytes = fields.body === undefined ? Buffer.alloc(0) : typeof fields.body === 'string' ? Buffer.from(fields.body) : Buffer.from(fields.body.buffer, fields.body.byteOffset, fields.body.byteLength);
  return {
    method: fields.method,
    path: fields.path,
    query: fields.query ?? '',
    headers: fields.headers,
    readBody: (limit) => Promise.resolve(bytes.byteLength > limit ? { ok: false, tooLarge: true } : { ok: true, bytes }),
  };
}

/**
 * A Web Response as a ProxyResponse: only for the operator's status page (core/status-route.ts),
 * off the request path. A server-sent-event body streams; anything else is read whole.
 */
export async function fromWebResponse(response: Response): Promise<ProxyResponse> {
  const headers = Object.fromEntries(response.headers);
  if (response.body && headers['content-type']?.startsWith('text/event-stream')) {
    // Web streams are async-iterable in Node; the iterator's return() cancels the stream.
    return { status: response.status, headers, body: response.body as unknown as AsyncIterable<Uint8Array> };
  }
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}
