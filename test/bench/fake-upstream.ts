import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The benchmark's provider, in its own process: an OpenAI-compatible endpoint that streams a fixed
 * answer as fast as it can. `/fail/v1/...` answers 503 at once (the failover measurement).
 */
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20);
const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1767000000, model: 'bench-model' };
const frame = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const frames = [
  frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
  ...Array.from({ length: CHUNKS }, (_, i) => frame({ ...base, choices: [{ index: 0, delta: { content: `token${i} ` }, finish_reason: null }] })),
  frame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
  frame({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: CHUNKS, total_tokens: 10 + CHUNKS } }),
  'data: [DONE]\n\n',
];
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
    for (const f of frames) res.write(f);
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
