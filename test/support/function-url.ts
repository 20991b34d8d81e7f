import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';

/**
 * A Lambda function URL on 127.0.0.1 in front of a streaming handler, for a real browser: each HTTP
 * request becomes a payload 2.0 event, and the handler's response stream (the prelude, 8 NUL bytes,
 * then the body, as test/support/awslambda-runtime.ts sends them) is turned back into an HTTP
 * response as the bytes arrive, so an event stream reaches the browser live.
 */
type StreamingHandler = (event: LambdaFunctionURLEvent, stream: Writable, context: Context) => Promise<unknown>;

const SEPARATOR = Buffer.alloc(8);

class LiveResponseStream extends Writable {
  _onBeforeFirstWrite?: (write: (chunk: Uint8Array | string) => void) => void;
  private started = false;
  private prelude: Buffer | undefined = Buffer.alloc(0);
  private readonly res: ServerResponse;

  constructor(res: ServerResponse) {
    super();
    this.res = res;
  }

  setContentType(): void {}

  override write(chunk: unknown, ...rest: unknown[]): boolean {
    if (!this.started) {
      this.started = true;
      this._onBeforeFirstWrite?.((c) => void super.write(c));
    }
    return (super.write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
    if (this.prelude === undefined) {
      this.res.write(bytes, () => callback());
      return;
    }
    this.prelude = Buffer.concat([this.prelude, bytes]);
    const split = this.prelude.indexOf(SEPARATOR);
    if (split < 0) return callback();
    const head = JSON.parse(this.prelude.subarray(0, split).toString('utf8')) as { statusCode: number; headers?: Record<string, string> };
    const rest = this.prelude.subarray(split + SEPARATOR.length);
    this.prelude = undefined;
    this.res.writeHead(head.statusCode, head.headers ?? {});
    this.res.flushHeaders();
    if (rest.length > 0) this.res.write(rest, () => callback());
    else callback();
  }

  override _final(callback: () => void): void {
    this.res.end(callback);
  }
}

export async function serveFunctionUrl(handler: StreamingHandler, remainingMs = 60_000): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => void invoke(handler, req, res, remainingMs));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function invoke(handler: StreamingHandler, req: IncomingMessage, res: ServerResponse, remainingMs: number): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://function-url');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const method = req.method ?? 'GET';
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: { http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '', userAgent: headers['user-agent'] ?? '' }, domainName: headers.host ?? '' },
    ...(body.length > 0 ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  } as unknown as LambdaFunctionURLEvent;
  const stream = new LiveResponseStream(res);
  // The browser going away ends the response stream, as the function URL does.
  res.on('close', () => stream.destroy());
  const context = { getRemainingTimeInMillis: () => remainingMs, awsRequestId: 'req', functionName: 'proxy' } as unknown as Context;
  try {
    await handler(event, stream, context);
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  }
}
