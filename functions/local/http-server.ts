import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { DEFAULT_SERVER_LIMITS } from '../config/defaults.ts';

/** Bounds on what one client can hold of the local server. */
export interface ServerLimits {
  /** Time to receive a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (a never-ending chunked upload). */
  requestTimeoutMs: number;
  /** Open connections at once; more are closed on arrival. */
  maxConnections: number;
}

/**
 * Node's http server with the local server's bounds. A request line or header Node's parser
 * refuses, or one that arrives too slowly, gets a JSON 400 (431 for oversized headers) with
 * `x-should-retry: false` and the connection is closed: never a crash, never a synthetic 408
 * that a client SDK would retry.
 */
export function createBoundedServer(listener: RequestListener, limits: Partial<ServerLimits> = {}): Server {
  const bounds = { ...DEFAULT_SERVER_LIMITS, ...limits };
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
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => refuseMalformed(error, socket));
  // A proxy of LLM calls, not of sockets: CONNECT never tunnels anywhere.
  server.on('connect', (_request: unknown, socket: Duplex) => refuse(socket, '405 Method Not Allowed', 'CONNECT is not allowed here'));
  return server;
}

function refuseMalformed(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const oversized = error.code === 'HPE_HEADER_OVERFLOW';
  const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const message = oversized ? 'the request headers are too large' : timedOut ? 'the request did not arrive in time' : 'the request line or headers are malformed';
  refuse(socket, oversized ? '431 Request Header Fields Too Large' : '400 Bad Request', message);
}

/** Writes a JSON error in the OpenAI shape (no route is known yet) and closes the connection. */
function refuse(socket: Duplex, status: string, message: string): void {
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } });
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-should-retry: false\r\nconnection: close\r\n\r\n${body}`,
  );
}
