import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeResponseBody } from '../../functions/adapters/write-body.ts';

/**
 * The streamed-body writer: what a producer yields in one go is written once, what comes later is
 * written when it comes, a full Writable stops the pulling, and a Writable that closes stops the
 * producer.
 */

/** A Writable that records each write; `hold` keeps every write pending until `flush()`. */
function recorder(options: { hold?: boolean; highWaterMark?: number } = {}) {
  const writes: string[] = [];
  let pending: (() => void)[] = [];
  const out = new Writable({
    highWaterMark: options.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString());
      if (options.hold) pending.push(() => callback());
      else callback();
    },
  });
  const flush = () => {
    const now = pending;
    pending = [];
    for (const done of now) done();
  };
  return { out, writes, flush };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('writeResponseBody', () => {
  it('writes the chunks a producer has at hand in one write, with the end', async () => {
    const { out, writes } = recorder();
    async function* body() {
      yield 'data: a\n\n';
      yield 'data: b\n\n';
      yield Buffer.from('data: c\n\n');
    }
    await writeResponseBody(body(), out);
    expect(writes).toEqual(['data: a\n\ndata: b\n\ndata: c\n\n']);
    expect(out.writableEnded).toBe(true);
  });

  it('writes what came before a wait without waiting for what comes after it', async () => {
    const { out, writes } = recorder();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let writtenBeforeGate: string[] = [];
    async function* body() {
      yield 'data: first\n\n';
      // The end of the tick passes here (a timer), as when the upstream's next bytes are still on their way.
      await sleep(1);
      writtenBeforeGate = [...writes];
      release();
      await gate;
      yield 'data: second\n\n';
    }
    await writeResponseBody(body(), out);
    expect(writtenBeforeGate).toEqual(['data: first\n\n']);
    expect(writes).toEqual(['data: first\n\n', 'data: second\n\n']);
  });

  it('pulls no chunk while the Writable is full, and goes on after it drains', async () => {
    const { out, writes, flush } = recorder({ hold: true, highWaterMark: 8 });
    let pulled = 0;
    const body: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        async next() {
          if (pulled === 4) return { done: true, value: undefined };
          pulled++;
          // Each chunk after a real wait, so each is its own write.
          await sleep(1);
          return { done: false, value: `chunk ${pulled} is longer than the mark;` };
        },
      }),
    };
    let ended = false;
    const writing = writeResponseBody(body, out).then(() => (ended = true));
    while (!out.writableNeedDrain) await sleep(1);
    const pulledWhenFull = pulled;
    await sleep(20);
    // Nothing was written back yet: no more pulling (at most the chunk already asked for when it filled).
    expect(pulled).toBe(pulledWhenFull);
    expect(pulled).toBeLessThan(4);
    while (!ended) {
      flush();
      await sleep(1);
    }
    await writing;
    expect(writes.join('')).toBe([1, 2, 3, 4].map((n) => `chunk ${n} is longer than the mark;`).join(''));
  });

  it('stops the producer when the Writable closes', async () => {
    const { out } = recorder();
    let stopped = false;
    const body: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<string>>(() => {}),
        return: async () => {
          stopped = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const writing = writeResponseBody(body, out);
    out.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(true);
    void writing;
  });
});
