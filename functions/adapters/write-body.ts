import type { Writable } from 'node:stream';

/**
 * Writes a streamed response body to a Node Writable (the local server's ServerResponse, Lambda's
 * response stream): one chunk at a time, waiting for `drain` when the socket's buffer is full, and
 * telling the producer to stop (`return()`) as soon as the client goes away, even mid-read.
 */
export async function writeResponseBody(body: AsyncIterable<Uint8Array | string>, out: Writable): Promise<void> {
  const chunks = body[Symbol.asyncIterator]();
  const stop = () => void chunks.return?.();
  out.once('close', stop);
  try {
    for (;;) {
      const { done, value } = await chunks.next();
      if (done || out.destroyed) break;
      if (!out.write(value)) await drained(out);
    }
  } catch {
    // The producer failed or the client left; the core already recorded the outcome.
  } finally {
    out.off('close', stop);
  }
  if (!out.destroyed) out.end();
  else stop();
}

/** Resolves at the next `drain`, or when the stream closes first. */
function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
