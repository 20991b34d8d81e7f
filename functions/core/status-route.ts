import { STATUS_PAGE_HEADERS, STATUS_PAGE_HTML } from './status-page-html.ts';
import type { StatusSource } from './status-board.ts';

export const STATUS_PATHS = ['/status', '/status/events', '/status.json'] as const;

/** Countdowns tick on the page itself; a fresh snapshot at least this often keeps it honest. */
const REFRESH_MS = 1_000;
/** Changes are batched: a burst of requests redraws the page once. */
const BATCH_MS = 150;
/**
 * An event stream ends after this long and the browser reconnects (EventSource does so by itself):
 * on Lambda an invocation must end, and the page loses nothing.
 */
export const STATUS_STREAM_MS = 60_000;

/** The operator's status page (the operator check is the caller's): HTML, its event stream, or one snapshot as JSON. */
export async function handleStatus(path: string, source: StatusSource, signal?: AbortSignal, streamMs = STATUS_STREAM_MS): Promise<Response> {
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
