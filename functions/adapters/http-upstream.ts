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

export const httpUpstream: Upstream = (call) =>
  new Promise<UpstreamResponse>((resolve, reject) => {
    if (call.signal.aborted) return reject(new Error('upstream call aborted before it started'));
    let url: URL;
    try {
      url = new URL(call.url);
    } catch {
      return reject(new Error('invalid upstream URL'));
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return reject(new Error(`unsupported upstream protocol ${url.protocol}`));
    // Lower-cased, last one wins: a configured `Authorization` can never sit beside ours as a second header.
    const headers: Record<string, string> = {};
    for (const name in call.headers) headers[name.toLowerCase()] = call.headers[name]!;
    const body = typeof call.body === 'string' ? Buffer.from(call.body) : call.body;
    if (body) headers['content-length'] = String(body.byteLength);
    const request = (secure ? httpsRequest : httpRequest)({
      method: call.method,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || (secure ? 443 : 80),
      path: url.pathname + url.search,
      headers,
      agent: secure ? httpsAgent : httpAgent,
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
    return {
      [Symbol.asyncIterator]() {
        // Stopping early must not destroy the socket: release() decides whether it can be reused.
        const chunks = res.iterator({ destroyOnReturn: false }) as AsyncIterator<Uint8Array>;
        return {
          next: () => chunks.next(),
          return: (value?: unknown) => {
            release();
            return chunks.return ? chunks.return(value) : Promise.resolve({ done: true, value: undefined });
          },
        };
      },
    };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const res = this.res;
    if (res.readableEnded || res.destroyed) return;
    // Flowing with no reader discards the rest; at the body's end the agent takes the socket back.
    res.resume();
    if (res.complete) return;
    const guard = setTimeout(() => res.destroy(), DRAIN_MS);
    guard.unref();
    res.once('end', () => clearTimeout(guard));
  }
}
