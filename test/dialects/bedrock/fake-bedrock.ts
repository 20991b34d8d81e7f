import { constants, createServer, type Http2Server, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One frame of a ConverseStream answer: an event, or a modeled exception. */
export type Frame = { event: string; payload: unknown } | { exception: string; payload: unknown };

/** What the fake does with one request. */
export type Reply =
  | { kind: 'stream'; frames: Frame[]; then?: 'end' | 'cut' | 'hang' }
  | { kind: 'error'; status: number; errorType: string; message: string }
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'reset' };

export interface SeenBedrockRequest {
  method: string;
  /** `converse`, `converse-stream`, `invoke` or `count-tokens`. */
  operation: string;
  modelId: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface FakeBedrock {
  endpoint: string;
  requests: SeenBedrockRequest[];
  close(): Promise<void>;
}

/** Encodes one binary event-stream frame as Bedrock sends it. */
export function encodeFrame(frame: Frame): Uint8Array {
  const body = fromUtf8(JSON.stringify(frame.payload));
  const headers =
    'event' in frame
      ? { ':event-type': frame.event, ':content-type': 'application/json', ':message-type': 'event' }
      : { ':exception-type': frame.exception, ':content-type': 'application/json', ':message-type': 'exception' };
  return codec.encode({
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { type: 'string' as const, value: v }])),
    body,
  });
}

/**
 * A fake Bedrock runtime on 127.0.0.1: answers `POST /model/{id}/converse-stream` with binary
 * `application/vnd.amazon.eventstream` frames and `POST /model/{id}/converse` with JSON, as the
 * real service does, so the real AWS SDK signs, sends and decodes against it. It speaks HTTP/2
 * (cleartext): the Bedrock runtime client's default request handler is HTTP/2-only, as in
 * production, so the fake exercises the very transport the proxy uses.
 */
export async function startFakeBedrock(script: (request: SeenBedrockRequest, index: number) => Reply): Promise<FakeBedrock> {
  const requests: SeenBedrockRequest[] = [];
  const sessions = new Set<Http2Session>();
  const server: Http2Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const match = /^\/model\/([^/]+)\/(converse(?:-stream)?|invoke|count-tokens)$/.exec(req.url ?? '');
    const seen: SeenBedrockRequest = {
      method: req.method ?? '',
      operation: match?.[2] ?? '',
      modelId: decodeURIComponent(match?.[1] ?? ''),
      headers: req.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
    requests.push(seen);
    const reply = script(seen, requests.length - 1);
    switch (reply.kind) {
      case 'reset':
        req.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        return;
      case 'json':
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
        return;
      case 'error':
        res.writeHead(reply.status, { 'content-type': 'application/json', 'x-amzn-errortype': `${reply.errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
        res.end(JSON.stringify({ message: reply.message }));
        return;
      case 'stream':
        res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-1' });
        for (const frame of reply.frames) res.write(encodeFrame(frame));
        // A cut: the stream is reset after the frames, without a clean end.
        if (reply.then === 'cut') setTimeout(() => req.stream.close(constants.NGHTTP2_INTERNAL_ERROR), 0);
        else if (reply.then !== 'hang') res.end();
        return;
    }
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
