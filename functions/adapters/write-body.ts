import type { Writable } from 'node:stream';

/**
 * Bytes held back at most before they are written without waiting for the end of the tick: a
 * producer that has a long answer at hand still writes in pieces and feels back-pressure.
 */
const MAX_BATCH_BYTES = 64 * 1024;

/**
 * Writes a streamed response body to a Node Writable (the local server's ServerResponse, Lambda's
 * response stream), telling the producer to stop (`return()`) as soon as the client goes away,
 * even mid-read.
 *
 * The chunks a producer yields in one go (a stream's events that arrived in one upstream read) are
 * gathered and written once at the end of the tick, instead of once each: a chunked HTTP response
 * pays a chunk header, four internal writes and the stream machinery per write, and the socket would
 * only send them together anyway (Node corks it until the end of the tick). Nothing waits longer
 * than before: the batch goes out when the producer awaits something slower than a resolved
 * promise. Back-pressure is kept: no chunk is pulled while the Writable's buffer is full.
 */
export async function writeResponseBody(body: AsyncIterable<Uint8Array | string>, out: Writable): Promise<void> {
  const chunks = body[Symbol.asyncIterator]();
  const stop = () => void chunks.return?.();
  out.once('close', stop);
  const batch = new Batch(out);
  try {
    for (;;) {
      if (out.writableNeedDrain && !out.destroyed) await drained(out);
      const { done, value } = await chunks.next();
      if (done || out.destroyed) break;
      batch.add(value);
    }
  } catch {
    // The producer failed or the client left; the core already recorded the outcome.
  } finally {
    out.off('close', stop);
  }
  if (!out.destroyed) batch.end();
  else stop();
}

/** The chunks not yet written, flushed at the end of the tick or when they grow large. */
class Batch {
  private readonly out: Writable;
  private pieces: (Uint8Array | string)[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(out: Writable) {
    this.out = out;
  }

  add(chunk: Uint8Array | string): void {
    this.pieces.push(chunk);
    // A string's length is a lower bound of its bytes: enough for a bound.
    this.bytes += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
    if (this.bytes >= MAX_BATCH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.onTick);
    }
  }

  /** Writes what is held and ends the Writable, in one write when there is anything. */
  end(): void {
    const data = this.take();
    if (data === undefined) this.out.end();
    else this.out.end(data);
  }

  private readonly onTick = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    const data = this.take();
    if (data !== undefined && !this.out.destroyed) this.out.write(data);
  }

  private take(): Uint8Array | string | undefined {
    const pieces = this.pieces;
    if (pieces.length === 0) return undefined;
    this.pieces = [];
    this.bytes = 0;
    if (pieces.length === 1) return pieces[0];
    if (pieces.every((piece) => typeof piece === 'string')) return pieces.join('');
    return Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
  }
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
