import { STATUS_PAGE_HEADERS, STATUS_PAGE_HTML } from './status-page-html.ts';
import type { StatusSource } from './status-board.ts';

export const STATUS_PATHS = ['/status', '/status/events', '/status.json'] as const;
/**
 * The page itself carries no data (it asks for the operator key and reads the events with it), so
 * it is served to anyone who can reach the proxy; the events and the JSON take the operator credential.
 */
export const STATUS_OPEN_PATHS = ['/status'] as const;

/** Countdowns tick on the page itself; a fresh snapshot at least this often keeps it honest. */
const REFRESH_MS = 1_000;
/** Changes are batched: a burst of requests redraws the page once. */
const BATCH_MS = 150;
/**
 * An event stream ends after this long and the page reconnects: on Lambda an open stream is a
 * running invocation, which must end (and is billed while it runs); the page loses nothing.
 */
export const STATUS_STREAM_MS = 60_000;

/**
 * The operator's status page (the operator check is the caller's): HTML, its event stream, or one
 * snapshot as JSON. `streamMs` bounds the event stream (default STATUS_STREAM_MS; Lambda passes
 * less when the invocation has less time left).
 */
export async function handleStatus(path: string, source: StatusSource, options: { signal?: AbortSignal; streamMs?: number } = {}): Promise<Response> {
  const { signal, streamMs = STATUS_STREAM_MS } = options;
  if (path === '/status') return new Response(STATUS_PAGE_HTML, { headers: STATUS_PAGE_HEADERS });
  if (path === '/status.json') return Response.json(await source.snapshot(), { headers: { 'cache-control': 'no-store' } });
  const encoder = new TextEncoder();
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let pending: ReturnType<typeof setTimeout> | undefined;
      const send = async () => {
        pending = undefined;
        if (closed) return;
        const snapshot = await source.snapshot().catch(() => undefined);
        if (!closed && snapshot) controller.enqueue(encoder.encode(`data: ${JSON.stringify(snapshot)}\n\n`));
      };
      const soon = () => {
        pending ??= setTimeout(() => void send(), BATCH_MS);
      };
      const unsubscribe = source.subscribe(soon);
      const tick = setInterval(() => void send(), REFRESH_MS);
      const end = setTimeout(() => stop(), streamMs);
      stop = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(tick);
        clearTimeout(end);
        clearTimeout(pending);
        try {
          controller.close();
        } catch {
          // already closed by the reader
        }
      };
      signal?.addEventListener('abort', () => stop(), { once: true });
      controller.enqueue(encoder.encode('retry: 1000\n\n'));
      void send();
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' } });
}
