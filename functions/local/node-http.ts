import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { writeResponseBody } from '../adapters/write-body.ts';
import { isStreamedBody, type BodyRead, type HeaderReader, type ProxyRequest, type ProxyResponse } from '../core/exchange.ts';
import type { HandleOptions, Handled } from '../core/proxy.ts';
import type { RenderedError } from '../core/respond.ts';
import { clientError } from '../ir/client-error.ts';
import { plainRefusal, type RenderRefusal } from './http-server.ts';

/** Methods the proxy may answer; TRACE, CONNECT and the like never reach the core. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/**
 * Adapts Node's http module to the core: a small ProxyRequest over the IncomingMessage (the body
 * is read only when the route needs it), and the core's response written straight to the
 * ServerResponse with back-pressure. A client that hangs up aborts the work. A request line the
 * proxy does not serve (an odd method, an absolute-form or `*` target) is answered here with a
 * 4xx; nothing a client sends can throw out of this handler.
 */
export function nodeHandler(handle: (request: ProxyRequest, options: HandleOptions) => Promise<Handled>, refuse: RenderRefusal = plainRefusal) {
  const serve = serveOne(handle, refuse);
  return (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) => {
      // Only a bug gets here (the core answers every expected failure): end this exchange, keep the process.
      process.stderr.write(JSON.stringify({ level: 'error', msg: 'node adapter error', error: (error as Error)?.message }) + '\n');
      res.destroy();
    });
  };
}

function serveOne(handle: (request: ProxyRequest, options: HandleOptions) => Promise<Handled>, refuse: RenderRefusal) {
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
    res.once('close', () => {
      if (!res.writableFinished) controller.abort('client closed the connection');
    });
    let handled: Handled;
    try {
      handled = await handle(proxyRequest(req, method, target), { signal: controller.signal, ...(req.socket.remoteAddress ? { peer: req.socket.remoteAddress } : {}) });
    } catch (error) {
      // The core turns every expected failure into a response; reaching here is a bug.
      res.writeHead(500, { 'content-type': 'application/json', 'x-should-retry': 'false' });
      res.end(JSON.stringify({ error: { message: 'internal proxy error', type: 'api_error' } }));
      process.stderr.write(JSON.stringify({ level: 'error', msg: 'unhandled proxy error', error: (error as Error).message }) + '\n');
      return;
    }
    const { response, done } = handled;
    if (!isStreamedBody(response.body)) {
      send(res, response);
      await done;
      return;
    }
    res.writeHead(response.status, response.headers);
    await writeResponseBody(response.body, res);
    await done;
  };
}

/** A refusal before the body was read: the connection closes, so an unread body is never parsed as a next request. */
function sendRendered(res: ServerResponse, error: RenderedError): void {
  res.writeHead(error.status, { ...error.headers, 'content-length': String(Buffer.byteLength(error.body)), connection: 'close' });
  res.end(error.body);
}

/** A whole answer or an error: one write with its length, instead of a chunked stream. */
function send(res: ServerResponse, response: ProxyResponse): void {
  const body = response.body as string | Uint8Array;
  res.writeHead(response.status, { ...response.headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function proxyRequest(req: IncomingMessage, method: string, target: string): ProxyRequest {
  const q = target.indexOf('?');
  return {
    method,
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? '' : target.slice(q + 1),
    headers: nodeHeaders(req.headers),
    readBody: (limit) => readNodeBody(req, limit),
  };
}

export function nodeHeaders(headers: IncomingHttpHeaders): HeaderReader {
  return {
    get(name) {
      const value = headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * Reads the body up to `limit` bytes, counting what arrives (Content-Length is not trusted). Plain
 * listeners rather than an async iterator: the iterator's machinery cost more than reading a small
 * JSON body does.
 */
function readNodeBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ ok: false, tooLarge: true });
  }
  if (req.destroyed) return Promise.reject(new Error('the request was closed before its body was read'));
  return new Promise<BodyRead>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        detach();
        // The rest is discarded as it arrives; the 413 goes out on the same connection.
        req.resume();
        resolve({ ok: false, tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      detach();
      resolve({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    // An error, or the connection closing before the end: the body cannot be read.
    const onError = (error: Error) => {
      detach();
      reject(error);
    };
    const onClose = () => onError(new Error('the request was closed before its body was read'));
    const detach = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
