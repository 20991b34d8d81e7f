import { Writable } from 'node:stream';

/**
 * A stand-in for the Lambda Node.js runtime's streaming API, faithful where it matters to a proxy:
 * `HttpResponseStream.from` sends the JSON prelude and 8 NUL bytes only on the first write(), so
 * status and headers are fixed at the first byte, and `end()` without a write never sends them
 * (as in the real runtime). Installed as a vitest setup file, before any handler is imported.
 */
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

interface PreludeStream extends Writable {
  _onBeforeFirstWrite?: (write: (chunk: Uint8Array | string) => void) => void;
  setContentType?(type: string): void;
}

const runtime = {
  streamifyResponse<T extends (...args: never[]) => unknown>(handler: T): T {
    (handler as unknown as Record<symbol, string>)[STREAMING] = 'response';
    return handler;
  },
  HttpResponseStream: {
    from(stream: PreludeStream, prelude: Record<string, unknown>): PreludeStream {
      stream.setContentType?.('application/vnd.awslambda.http-integration-response');
      stream._onBeforeFirstWrite = (write) => {
        write(JSON.stringify(prelude));
        write(new Uint8Array(8));
      };
      return stream;
    },
  },
};

(globalThis as unknown as { awslambda: typeof runtime }).awslambda = runtime;

/** A response stream that records what the runtime would send, for assertions. */
export class RecordingResponseStream extends Writable implements PreludeStream {
  _onBeforeFirstWrite?: (write: (chunk: Uint8Array | string) => void) => void;
  contentType = 'application/octet-stream';
  private readonly chunks: Buffer[] = [];
  private started = false;
  /** Bytes in the order they were written, with the time each arrived. */
  readonly writes: { at: number; bytes: number }[] = [];

  setContentType(type: string): void {
    this.contentType = type;
  }

  override write(chunk: unknown, ...rest: unknown[]): boolean {
    if (!this.started) {
      this.started = true;
      this._onBeforeFirstWrite?.((c) => void super.write(c));
    }
    return (super.write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: () => void): void {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
    this.chunks.push(buffer);
    this.writes.push({ at: Date.now(), bytes: buffer.length });
    callback();
  }

  /** The HTTP response a function URL would produce from these bytes. */
  result(): { statusCode: number; headers: Record<string, string>; body: string } {
    const bytes = Buffer.concat(this.chunks);
    if (!this.contentType.includes('http-integration-response')) return { statusCode: 200, headers: {}, body: bytes.toString('utf8') };
    const split = bytes.indexOf(Buffer.alloc(8));
    if (split < 0) throw new Error('the prelude was never sent (end() without a write())');
    const prelude = JSON.parse(bytes.subarray(0, split).toString('utf8')) as { statusCode: number; headers?: Record<string, string> };
    return { statusCode: prelude.statusCode, headers: prelude.headers ?? {}, body: bytes.subarray(split + 8).toString('utf8') };
  }
}
