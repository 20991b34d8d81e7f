/**
 * The Upstream port's shapes: one HTTP exchange with a provider, without fetch or Web streams. The
 * core and the provider dialects see only these; functions/adapters/http-upstream.ts implements
 * them on node:http keep-alive agents.
 */

/** Case-insensitive header lookup by lower-case name. Web `Headers` satisfies it too. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** No headers at all (an error reported inside a 200 stream has none of its own). */
export const NO_HEADERS: HeaderReader = { get: () => null };

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Lower-case names. `content-length` is set by the adapter. */
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborting destroys the connection (a watchdog fired, the client left, the attempt was abandoned). */
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: HeaderReader;
  /** The body as it arrives. Iterate it once; stopping early does not close the connection: call `release`. */
  body: AsyncIterable<Uint8Array>;
  /**
   * Done with this response. A body read to its end (or about to end) gives its connection back to
   * the pool; one still flowing is drained briefly, then closed. Idempotent.
   */
  release(): void;
}

/**
 * One HTTP exchange, resolving at the response headers. Redirects are never followed (a redirect
 * rejects: a provider must not send the request, and its key, elsewhere). Rejects on connection
 * failures and on abort; every HTTP status is a value.
 */
export type Upstream = (request: UpstreamRequest) => Promise<UpstreamResponse>;
