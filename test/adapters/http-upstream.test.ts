import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpUpstream } from '../../functions/adapters/http-upstream.ts';
import { openaiProvider } from '../../functions/dialects/openai/index.ts';
import type { StreamEvent } from '../../functions/ir/events.ts';
import type { ChatRequest } from '../../functions/ir/request.ts';
import { openaiTextFrames } from '../support/fake-provider.ts';

/**
 * The Upstream port on node:http: connections are reused after a stream read to its `[DONE]`,
 * redirects are refused, an abort closes the connection, and every status is a value.
 */

let server: Server;
let base: string;
const connections = new Set<Socket>();
let opened = 0;
let closedSockets = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://127.0.0.2/elsewhere' });
      res.end();
      return;
    }
    if (req.url === '/endless') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write(': keep-alive\n\n'), 5);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (req.url === '/status/418') {
      res.writeHead(418, { 'content-type': 'application/json', 'retry-after': '2' });
      res.end('{"error":{"message":"teapot"}}');
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const frame of openaiTextFrames(['Hello', ' world'])) res.write(frame);
      res.end();
    });
  });
  server.on('connection', (socket) => {
    opened++;
    connections.add(socket);
    socket.on('close', () => {
      closedSockets++;
      connections.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of connections) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const request: ChatRequest = { model: 'alias', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: true };

async function streamOnce(): Promise<StreamEvent[]> {
  const opened = await openaiProvider.open(
    request,
    { provider: { name: 'local', kind: 'openai', baseUrl: `${base}/v1`, apiKey: 'sk-test' }, model: 'gpt-4o', forwardHeaders: {} },
    { upstream: httpUpstream, signal: new AbortController().signal },
  );
  if (!opened.ok) throw new Error(opened.failure.message);
  const events: StreamEvent[] = [];
  for await (const event of opened.events) events.push(event);
  return events;
}

describe('httpUpstream', () => {
  it('gives the connection back to the pool after a stream read to [DONE]: the next calls reuse it', async () => {
    const before = opened;
    for (let i = 0; i < 5; i++) {
      const events = await streamOnce();
      expect(events.filter((e) => e.type === 'text-delta').map((e) => (e as { text: string }).text).join('')).toBe('Hello world');
      // The socket returns to the pool when the body's end is emitted, a tick after the parser stops at [DONE].
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(opened - before).toBe(1);
  });

  it('gives the connection back to the pool when a body released mid-read ends', async () => {
    // A server of its own, so that no other test's pooled connection can serve the second call.
    let connects = 0;
    let letGo: (() => void) | undefined;
    let finished!: () => void;
    const served = new Promise<void>((resolve) => (finished = resolve));
    const held = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      // The first call's rest comes when the test lets it go; later calls get it at once.
      if (letGo) return void res.end('data: rest\n\n');
      new Promise<void>((resolve) => (letGo = resolve)).then(() => res.end('data: rest\n\n', finished));
    });
    held.on('connection', () => connects++);
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(held.address() as AddressInfo).port}/held`;
    try {
      const response = await httpUpstream({ method: 'GET', url, headers: {}, signal: new AbortController().signal });
      const chunks = response.body[Symbol.asyncIterator]();
      expect(Buffer.from((await chunks.next()).value as Uint8Array).toString()).toContain('first');
      // The reader stops before the end (a parser that saw its terminal event): the rest is drained, not read.
      await chunks.return?.();
      letGo?.();
      await served;
      // Well within the drain bound (1 s), after which an undrained socket would be destroyed instead.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await httpUpstream({ method: 'GET', url, headers: {}, signal: new AbortController().signal });
      for await (const chunk of again.body) void chunk;
      expect(connects).toBe(1);
    } finally {
      held.closeAllConnections();
      await new Promise((resolve) => held.close(resolve));
    }
  });

  it('refuses a redirect instead of following it', async () => {
    await expect(httpUpstream({ method: 'GET', url: `${base}/redirect`, headers: {}, signal: new AbortController().signal })).rejects.toMatchObject({ code: 'EREDIRECT' });
  });

  it('returns an error status as a value, with its headers', async () => {
    const response = await httpUpstream({ method: 'GET', url: `${base}/status/418`, headers: {}, signal: new AbortController().signal });
    expect(response.status).toBe(418);
    expect(response.headers.get('retry-after')).toBe('2');
    let text = '';
    for await (const chunk of response.body) text += Buffer.from(chunk).toString('utf8');
    expect(JSON.parse(text)).toEqual({ error: { message: 'teapot' } });
  });

  it('closes the connection when the call is aborted mid-body', async () => {
    const controller = new AbortController();
    const response = await httpUpstream({ method: 'GET', url: `${base}/endless`, headers: {}, signal: controller.signal });
    const closedBefore = closedSockets;
    const reading = (async () => {
      for await (const chunk of response.body) void chunk;
    })();
    controller.abort('test');
    await expect(reading).rejects.toBeDefined();
    for (let i = 0; i < 100 && closedSockets === closedBefore; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closedSockets).toBeGreaterThan(closedBefore);
  });
});
