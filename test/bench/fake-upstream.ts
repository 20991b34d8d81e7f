import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerProbes } from './child-probe.ts';

/**
 * The benchmark's provider, in its own process: an OpenAI-compatible endpoint that streams a fixed
 * answer as fast as it can. `/fail/v1/...` answers 503 at once (failover); `/slow/v1/...` streams
 * one event every SLOW_GAP_MS for SLOW_EVENTS events (concurrent streams held open, for memory).
 */
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20);
const SLOW_EVENTS = Number(process.env.BENCH_SLOW_EVENTS ?? 100);
const SLOW_GAP_MS = Number(process.env.BENCH_SLOW_GAP_MS ?? 30);
const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1767000000, model: 'bench-model' };
const frame = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const delta = (i: number) => frame({ ...base, choices: [{ index: 0, delta: { content: `token${i} ` }, finish_reason: null }] });
const opening = frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
const closing = [
  frame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
  frame({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: CHUNKS, total_tokens: 10 + CHUNKS } }),
  'data: [DONE]\n\n',
];
const frames = [opening, ...Array.from({ length: CHUNKS }, (_, i) => delta(i)), ...closing];
const answer = JSON.stringify({
  ...base,
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: Array.from({ length: CHUNKS }, (_, i) => `token${i} `).join('') }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: CHUNKS, total_tokens: 10 + CHUNKS },
});

const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    if (req.url?.startsWith('/fail/')) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"overloaded","type":"server_error"}}');
      return;
    }
    if (!body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (req.url?.startsWith('/slow/')) {
      res.write(opening);
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        if (i < SLOW_EVENTS) return void res.write(delta(i++));
        clearInterval(timer);
        for (const f of closing) res.write(f);
        res.end();
      }, SLOW_GAP_MS);
      return;
    }
    for (const f of frames) res.write(f);
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
answerProbes();
