import type { IncomingMessage } from 'node:http';
import type { HeaderReader, Upstream, UpstreamResponse } from '../ir/upstream.ts';
import { http, https } from './node-http-modules.ts';

// Not an ESM import of node:http: that would load undici at every cold start (node-http-modules.ts).
const { Agent: HttpAgent, request: httpRequest } = http;
const { Agent: HttpsAgent, request: httpsRequest } = https;

/**
 * The Upstream port on node:http(s) with keep-alive agents: no fetch, no Web streams, no per-call
 * exception objects on the normal path. Redirects are never followed (node:http does not follow
 * them; a 3xx is refused here) so a provider can never send a request, and its key, elsewhere.
 */

/**
 * Idle pooled sockets close after this, or one second before the server's own `Keep-Alive:
 * timeout=` hint, whichever is sooner (Node's agent reads the hint), so a reused socket is rarely
 * one the server is closing.
 */
const IDLE_SOCKET_MS = 60_000;
/** A body released before its end is drained this long (a `[DONE]` frame's chunk terminator), then closed. */
const DRAIN_MS = 1_000;

const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, maxFreeSockets: 256, scheduling: 'lifo' as const };
const httpAgent = new HttpAgent(agentOptions);
const httpsAgent = new HttpsAgent(agentOptions);

/** Where an upstream URL points, parsed once per URL (a process calls few distinct ones). */
interface Destination {
  secure: boolean;
  hostname: string;
  port: string | number;
  path: string;
}
const destinations = new Map<string, Destination | string>();
/** More distinct URLs than any configuration names: the cache starts over rather than grow. */
const MAX_DESTINATIONS = 1_000;

/** The destination of `href`, or why it cannot be called. */
function destination(href: string): Destination | string {
  const known = destinations.get(href);
  if (known !== undefined) return known;
  let found: Destination | string;
  try {
    const url = new URL(href);
    const secure = url.protocol === 'https:';
    found =
      !secure && url.protocol !== 'http:'
        ? `unsupported upstream protocol ${url.protocol}`
        : {
            secure,
            hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
            port: url.port || (secure ? 443 : 80),
            path: url.pathname + url.search,
          };
  } catch {
    found = 'invalid upstream URL';
  }
  if (destinations.size >= MAX_DESTINATIONS) destinations.clear();
  destinations.set(href, found);
  return found;
}

export const httpUpstream: Upstream = (call) =>
  new Promise<UpstreamResponse>((resolve, reject) => {
    if (call.signal.aborted) return reject(new Error('upstream call aborted before it started'));
    const to = destination(call.url);
    if (typeof to === 'string') return reject(new Error(to));
    // Lower-cased, last one wins: a configured `Authorization` can never sit beside ours as a second header.
    const headers: Record<string, string> = {};
    for (const name in call.headers) headers[name.toLowerCase()] = call.headers[name]!;
    const body = call.body;
    if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    const request = (to.secure ? httpsRequest : httpRequest)({
      method: call.method,
      hostname: to.hostname,
      port: to.port,
      path: to.path,
      headers,
      agent: to.secure ? httpsAgent : httpAgent,
    });
    // Destroyed without an error object: the reader sees the broken body, the attempt labels why.
    const onAbort = () => request.destroy();
    call.signal.addEventListener('abort', onAbort, { once: true });
    const detach = () => call.signal.removeEventListener('abort', onAbort);
    // `on`, not `once`: a destroyed request may report more than one error, and each must be handled.
    request.on('error', (error) => {
      detach();
      reject(error);
    });
    request.once('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        detach();
        res.destroy();
        return reject(Object.assign(new Error(`the provider redirected (${status}); redirects are never followed`), { code: 'EREDIRECT' }));
      }
      res.once('close', detach);
      // A body abandoned mid-read may still report its socket's end; the reader (if any) has its own listener.
      res.on('error', ignore);
      resolve(new NodeUpstreamResponse(res));
    });
    request.end(body);
  });

const ignore = () => {};

class NodeUpstreamResponse implements UpstreamResponse {
  readonly status: number;
  readonly headers: HeaderReader;
  private readonly res: IncomingMessage;
  private released = false;

  constructor(res: IncomingMessage) {
    this.res = res;
    this.status = res.statusCode ?? 0;
    const raw = res.headers;
    this.headers = {
      get: (name) => {
        const value = raw[name];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  get body(): AsyncIterable<Uint8Array> {
    const res = this.res;
    const release = () => this.release();
    return { [Symbol.asyncIterator]: () => new BodyChunks(res, release) };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const res = this.res;
    if (res.readableEnded || res.destroyed) return;
    // Flowing into a no-op discards the rest; at the body's end the agent takes the socket back. The
    // `data` listener makes it flow even when a reader's `readable` listener was just removed
    // (Node then leaves a merely resumed stream paused).
    res.on('data', ignore);
    res.resume();
    if (res.complete) return;
    const guard = setTimeout(() => res.destroy(), DRAIN_MS);
    guard.unref();
    res.once('end', () => clearTimeout(guard));
  }
}

const DONE: IteratorResult<Uint8Array> = { done: true, value: undefined };

/**
 * An upstream body's chunks, read in paused mode (what arrived together comes as one chunk), as
 * Node's own stream iterator reads them but without its async generator and end-of-stream helper,
 * which cost more than a short answer's parsing. A body that errors or closes before its end
 * throws (`Premature close`) and is destroyed; `return()` releases it without destroying the
 * socket (release() decides whether the connection can be reused).
 */
class BodyChunks implements AsyncIterator<Uint8Array> {
  private readonly res: IncomingMessage;
  private readonly release: () => void;
  /** undefined: still flowing; null: ended cleanly; an Error: failed. */
  private outcome: Error | null | undefined;
  private wake: (() => void) | undefined;

  constructor(res: IncomingMessage, release: () => void) {
    this.res = res;
    this.release = release;
    if (res.readableEnded) this.outcome = null;
    else if (res.errored) this.outcome = res.errored;
    else if (res.destroyed) this.outcome = prematureClose();
    res.on('readable', this.signal);
    res.on('end', this.onEnd);
    res.on('error', this.onError);
    res.on('close', this.onClose);
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      const chunk = this.res.destroyed ? null : (this.res.read() as Buffer | null);
      if (chunk !== null) return { done: false, value: chunk };
      const outcome = this.outcome;
      if (outcome === null) {
        this.detach();
        return DONE;
      }
      if (outcome !== undefined) {
        this.detach();
        this.res.destroy();
        throw outcome;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    if (this.outcome === undefined) this.outcome = null;
    this.detach();
    this.release();
    this.signal();
    return Promise.resolve(DONE);
  }

  private readonly signal = (): void => {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  };

  private readonly onEnd = (): void => {
    if (this.outcome === undefined) this.outcome = null;
    this.signal();
  };

  private readonly onError = (error: Error): void => {
    if (this.outcome === undefined) this.outcome = error;
    this.signal();
  };

  private readonly onClose = (): void => {
    if (this.outcome === undefined) this.outcome = this.res.readableEnded ? null : prematureClose();
    this.signal();
  };

  private detach(): void {
    this.res.off('readable', this.signal);
    this.res.off('end', this.onEnd);
    this.res.off('error', this.onError);
    this.res.off('close', this.onClose);
  }
}

/** What Node's stream iterator throws for a body closed before its end. */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}
