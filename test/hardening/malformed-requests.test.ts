import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeHandler } from '../../functions/local/node-http.ts';
import { openaiTextFrames } from '../support/fake-provider.ts';
import { startProxy, type Harness } from '../support/proxy-harness.ts';
import { rawExchange, statusOf } from '../support/raw-http.ts';
import { fakeHttp, onCleanup, useCleanups } from '../support/cleanups.ts';

/**
 * Issue 13 §2 and §11: no request line or header can take the local server down, slow clients
 * cannot hold its sockets, and a slow reader does not pile listeners onto its response.
 */

useCleanups();
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

async function proxy(limits?: Record<string, number>): Promise<Harness> {
  const upstream = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['ok']) }));
  const h = await startProxy(
    { providers: { p1: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: 'env:TEST_KEY' } }, aliases: { alias: { targets: [{ provider: 'p1', model: 'm' }] } } },
    { server: limits ? { limits } : {} },
  );
  onCleanup(() => h.close());
  return h;
}

const body = '{"model":"alias","messages":[{"role":"user","content":"hi"}]}';
const post = (target: string, host: string, method = 'POST') =>
  `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;

describe('malformed requests get a 4xx and the process lives', () => {
  it.each([
    ['a Host with a space', post('/v1/chat/completions', '127.0.0.1 evil')],
    ['an out-of-range port', post('/v1/chat/completions', '127.0.0.1:99999')],
    ['a lone [', post('/v1/chat/completions', '[')],
    ['userinfo in the Host', post('/v1/chat/completions', 'user:pass@127.0.0.1')],
    ['%00 in the Host', post('/v1/chat/completions', '127.0.0.1%00')],
    ['an absolute-form target', post('http://169.254.169.254/v1/chat/completions', '127.0.0.1')],
    ['the * target', post('*', '127.0.0.1', 'OPTIONS')],
    ['the TRACE method', post('/v1/chat/completions', '127.0.0.1', 'TRACE')],
    ['the CONNECT method', 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n'],
    ['a garbage request line', 'HELLO\r\n\r\n'],
    ['a header without a colon', 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nbroken header\r\n\r\n'],
    ['a bad content-length', 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: -5\r\n\r\n'],
  ])('%s', async (_, bytes) => {
    const h = await proxy();
    const response = await rawExchange(h.proxy.url, bytes);
    const status = statusOf(response);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    // Still serving.
    const ok = await fetch(`${h.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(ok.status).toBe(200);
  });

  it('answers an odd method on an ingress route in that route’s format', async () => {
    const h = await proxy();
    const response = await rawExchange(h.proxy.url, post('/v1/messages', '127.0.0.1', 'TRACE'));
    expect(statusOf(response)).toBe(405);
    expect(response).toContain('"type":"error"');
    expect(response).toContain('x-should-retry: false');
  });
});

describe('slow clients cannot hold the server', () => {
  const open = (url: string) =>
    new Promise<Socket>((resolve) => {
      const { port, hostname } = new URL(url);
      const socket = connect(Number(port), hostname, () => resolve(socket));
      sockets.push(socket);
    });
  const closed = (socket: Socket) => new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => {});
  });

  it('closes a slowloris header stream after headersTimeout, with a 400 and no 408', async () => {
    const h = await proxy({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = await open(h.proxy.url);
    const ended = closed(socket);
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.writable && socket.write('x-slow: 1\r\n'), 50);
    const text = await ended;
    clearInterval(drip);
    expect(statusOf(text)).toBe(400);
  });

  it('closes a never-ending chunked body after requestTimeout', async () => {
    const h = await proxy({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = await open(h.proxy.url);
    const ended = closed(socket);
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
    const drip = setInterval(() => socket.writable && socket.write('1\r\n \r\n'), 50);
    await ended;
    clearInterval(drip);
    expect(socket.destroyed).toBe(true);
  });

  it('bounds connections at once: one more is closed on arrival, the others stay', async () => {
    const h = await proxy({ maxConnections: 2 });
    const first = await open(h.proxy.url);
    const second = await open(h.proxy.url);
    const third = await open(h.proxy.url);
    await closed(third);
    expect(first.destroyed).toBe(false);
    expect(second.destroyed).toBe(false);
    expect(h.proxy.server.maxConnections).toBe(2);
  });
});

describe('a slow reader', () => {
  it('does not pile close listeners onto its response (no MaxListenersExceededWarning)', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const chunk = new Uint8Array(1024 * 1024).fill(97);
    let sent = 0;
    const server: Server = createServer(
      nodeHandler(async () => ({
        response: {
          status: 200,
          headers: { 'content-type': 'text/event-stream' },
          body: (async function* () {
            while (sent++ < 40) yield chunk;
          })(),
        },
        done: Promise.resolve(),
      })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`);
      const reader = response.body!.getReader();
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        // Read slowly, so the server waits for 'drain' again and again.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(received).toBe(40 * chunk.byteLength);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
