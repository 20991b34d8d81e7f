import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { clientError } from '../ir/client-error.ts';
import type { HandleOptions, Handled } from '../core/proxy.ts';
import type { RenderedError } from '../core/respond.ts';
import { plainRefusal, type RenderRefusal } from './http-server.ts';

/** Methods a Web Request can carry and the proxy may answer; TRACE, CONNECT and the like never reach the core. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
/** The request's own Host stays a header (checked by the core); the URL gets a fixed origin so no Host can break it. */
const ORIGIN = 'http://localhost';

/**
 * Adapts Node's http module to the core's Web Request/Response: the request body streams in,
 * the response body streams out with back-pressure, and a client that hangs up aborts the work.
 * A request line the Web Request cannot carry (an odd method, an absolute-form or `*` target) is
 * answered here with a 4xx; nothing a client sends can throw out of this handler.
 */
export function nodeHandler(handle: (request: Request, options: HandleOptions) => Promise<Handled>, refuse: RenderRefusal = plainRefusal) {
  const serve = serveOne(handle, refuse);
  return (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) => {
      // Only a bug gets here (the core answers every expected failure): end this exchange, keep the process.
      process.stderr.write(JSON.stringify({ level: 'error', msg: 'node adapter error', error: (error as Error)?.message }) + '\n');
      res.destroy();
    });
  };
}

function serveOne(handle: (request: Request, options: HandleOptions) => Promise<Handled>, refuse: RenderRefusal) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.url ?? '/';
    const method = req.method ?? 'GET';
    if (!METHODS.has(method)) {
      return sendRendered(res, refuse(target, clientError(405, 'method_not_allowed', 'this method is not allowed here'), { allow: 'GET, POST' }));
    }
    if (!target.startsWith('/')) {
      return sendRendered(res, refuse(target, clientError(400, 'invalid_request', 'the request target must be a path (origin-form)')));
    }
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const hasBody = method !== 'GET' && method !== 'HEAD';
    let request: Request;
    try {
      request = new Request(`${ORIGIN}${target}`, {
        method,
        headers,
        ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
        signal: controller.signal,
      } as RequestInit);
    } catch {
      return sendRendered(res, refuse(target, clientError(400, 'invalid_request', 'the request line or a header is malformed')));
    }

    let handled: Handled;
    try {
      handled = await handle(request, { signal: controller.signal, ...(req.socket.remoteAddress ? { peer: req.socket.remoteAddress } : {}) });
    } catch (error) {
      // The core turns every expected failure into a response; reaching here is a bug.
      res.writeHead(500, { 'content-type': 'application/json', 'x-should-retry': 'false' });
      res.end(JSON.stringify({ error: { message: 'internal proxy error', type: 'api_error' } }));
      process.stderr.write(JSON.stringify({ level: 'error', msg: 'unhandled proxy error', error: (error as Error).message }) + '\n');
      return;
    }
    const { response, done } = handled;
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await send(res, response);
      await done;
      return;
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) {
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done: end, value } = await reader.read();
          if (end) break;
          if (!res.write(value)) await drained(res);
          if (res.destroyed) {
            await reader.cancel();
            break;
          }
        }
      } catch {
        // The body stream failed or the client left; the core already recorded the outcome.
      }
    }
    res.end();
    await done;
  };
}

/** A refusal before the body was read: the connection closes, so an unread body is never parsed as a next request. */
function sendRendered(res: ServerResponse, error: RenderedError): void {
  res.writeHead(error.status, { ...error.headers, 'content-length': String(Buffer.byteLength(error.body)), connection: 'close' });
  res.end(error.body);
}

/** A whole answer or an error: one write with its length, instead of a chunked stream. */
async function send(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, { ...Object.fromEntries(response.headers), 'content-length': String(body.length) });
  res.end(body);
}

/**
 * Resolves when the socket takes more data or the client is gone. Both listeners are removed
 * whichever fires: a listener left behind per wait piles up on a slow reader's response.
 */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const settle = () => {
      res.off('drain', settle);
      res.off('close', settle);
      resolve();
    };
    res.on('drain', settle);
    res.on('close', settle);
  });
}
