import { createServer, STATUS_CODES, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { DEFAULT_SERVER_LIMITS } from '../config/defaults.ts';
import type { RenderedError } from '../core/respond.ts';
import { clientError, type ClientError } from '../ir/client-error.ts';

/** Bounds on what one client can hold of the local server. */
export interface ServerLimits {
  /** Time to receive a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (a never-ending chunked upload). */
  requestTimeoutMs: number;
  /** Open connections at once; more are closed on arrival. */
  maxConnections: number;
}

/** Renders an error in the dialect a request target names (the proxy's `refuse`). */
export type RenderRefusal = (target: string, error: ClientError, headers?: Record<string, string>) => RenderedError;

/**
 * Node's http server with the local server's bounds. A request line or header Node's parser
 * refuses, or one that arrives too slowly, gets a 400 (431 for oversized headers) in the format
 * of the route its request line names, with `x-should-retry: false`, and the connection is
 * closed: never a crash, never a synthetic 408 that a client SDK would retry.
 */
export function createBoundedServer(listener: RequestListener, options: { limits?: Partial<ServerLimits>; render?: RenderRefusal } = {}): Server {
  const bounds = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const render = options.render ?? plainRefusal;
  const server = createServer(
    {
      noDelay: true,
      keepAlive: true,
      headersTimeout: bounds.headersTimeoutMs,
      requestTimeout: bounds.requestTimeoutMs,
      // Node enforces both timeouts on this tick; its 30 s default would stretch them by as much.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(bounds.headersTimeoutMs / 4))),
    },
    listener,
  );
  server.maxConnections = bounds.maxConnections;
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    // A response already under way on this socket (an early refusal whose unread body Node went on
    // parsing): a second one would corrupt the stream. Just close.
    const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || error.code === 'ECONNRESET' || current?.headersSent) {
      socket.destroy();
      return;
    }
    const oversized = error.code === 'HPE_HEADER_OVERFLOW';
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const message = oversized ? 'the request headers are too large' : timedOut ? 'the request did not arrive in time' : 'the request line or headers are malformed';
    const target = /^[A-Za-z]+ (\S+)/.exec(error.rawPacket?.toString('latin1') ?? '')?.[1] ?? '/';
    refuse(socket, render(target, clientError(oversized ? 431 : 400, 'invalid_request', message)));
  });
  // A proxy of LLM calls, not of sockets: CONNECT never tunnels anywhere.
  server.on('connect', (request: IncomingMessage, socket: Duplex) =>
    refuse(socket, render(request.url ?? '/', clientError(405, 'method_not_allowed', 'CONNECT is not allowed here'))),
  );
  return server;
}

/** The OpenAI error shape, when no dialect renderer is given (tests of the adapter alone). */
export const plainRefusal: RenderRefusal = (_target, error, headers = {}) => ({
  status: error.status,
  headers: { 'content-type': 'application/json', 'x-should-retry': 'false', ...headers },
  body: JSON.stringify({ error: { message: error.message, type: 'invalid_request_error', param: null, code: null } }),
});

/** Writes the error on the raw socket (no response object exists at this stage) and closes it. */
function refuse(socket: Duplex, error: RenderedError): void {
  const headers = Object.entries({ ...error.headers, 'content-length': String(Buffer.byteLength(error.body)), connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n${headers}\r\n${error.body}`);
}
