import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { HandleOptions, Handled } from '../core/proxy.ts';

/**
 * Adapts Node's http module to the core's Web Request/Response: the request body streams in,
 * the response body streams out with back-pressure, and a client that hangs up aborts the work.
 */
export function nodeHandler(handle: (request: Request, options: HandleOptions) => Promise<Handled>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
      signal: controller.signal,
    } as RequestInit);

    let handled: Handled;
    try {
      handled = await handle(request, { signal: controller.signal });
    } catch (error) {
      // The core turns every expected failure into a response; reaching here is a bug.
      res.writeHead(500, { 'content-type': 'application/json', 'x-should-retry': 'false' });
      res.end(JSON.stringify({ error: { message: 'internal proxy error', type: 'api_error' } }));
      process.stderr.write(JSON.stringify({ level: 'error', msg: 'unhandled proxy error', error: (error as Error).message }) + '\n');
      return;
    }
    const { response, done } = handled;
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      // A whole answer or an error: one write with its length, instead of a chunked stream.
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, { ...Object.fromEntries(response.headers), 'content-length': String(body.length) });
      res.end(body);
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
          if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
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
