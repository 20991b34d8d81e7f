import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the fake provider does with one request. */
export type Behavior =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | {
      kind: 'sse';
      /** Raw SSE frames, each written as its own chunk. */
      frames: string[];
      status?: number;
      headers?: Record<string, string>;
      /** Pause before each frame after the first. */
      gapMs?: number;
      /** Pause before the first frame (headers are sent at once). */
      firstDelayMs?: number;
      /** After the frames: close cleanly (default), cut the socket, or hang. */
      then?: 'end' | 'cut' | 'hang';
    }
  /** Destroy the socket before any response. */
  | { kind: 'reset' }
  /** Accept and never answer. */
  | { kind: 'silent' };

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeProvider {
  url: string;
  /** Base URL in the OpenAI SDK convention. */
  baseUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that answers each request with the scripted behavior. */
export async function startFakeProvider(script: (request: SeenRequest, index: number) => Behavior): Promise<FakeProvider> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text
    }
    const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    requests.push(seen);
    const behavior = script(seen, requests.length - 1);
    switch (behavior.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'silent':
        return;
      case 'json':
        res.writeHead(behavior.status, { 'content-type': 'application/json', ...behavior.headers });
        res.end(JSON.stringify(behavior.body));
        return;
      case 'sse': {
        res.writeHead(behavior.status ?? 200, { 'content-type': 'text/event-stream', ...behavior.headers });
        res.flushHeaders();
        if (behavior.firstDelayMs) await delay(behavior.firstDelayMs);
        for (const [i, frame] of behavior.frames.entries()) {
          if (i > 0 && behavior.gapMs) await delay(behavior.gapMs);
          if (res.destroyed) return;
          // Wait until the frame has left for the socket, so a cut after it comes after the data.
          await new Promise<void>((resolve) => res.write(frame, () => resolve()));
        }
        if (behavior.then === 'cut') req.socket.destroy();
        else if (behavior.then !== 'hang') res.end();
        return;
      }
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** OpenAI chat.completion.chunk frames for a text answer, as a real provider sends them. */
export function openaiTextFrames(pieces: string[], options: { model?: string; usage?: boolean; done?: boolean; finish?: string | null } = {}): string[] {
  const model = options.model ?? 'gpt-4o-2024-08-06';
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1767000000, model };
  const frame = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
  const frames = [frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] })];
  for (const piece of pieces) frames.push(frame({ ...base, choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }] }));
  if (options.finish !== null) frames.push(frame({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: options.finish ?? 'stop' }] }));
  if (options.usage !== false && options.finish !== null) {
    frames.push(frame({ ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: pieces.length, total_tokens: 11 + pieces.length } }));
  }
  if (options.done !== false && options.finish !== null) frames.push('data: [DONE]\n\n');
  return frames;
}

export function openaiError(status: number, message: string, type: string, code: string | null = null): Behavior {
  return { kind: 'json', status, body: { error: { message, type, param: null, code } } };
}
