import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerProbes } from './child-probe.ts';

/**
 * The benchmark's provider, in its own process: an OpenAI-compatible endpoint that streams a fixed
 * answer as fast as it can. `/fail/v1/...` answers 503 at once (failover); `/slow/v1/...` streams
 * one event every SLOW_GAP_MS for SLOW_EVENTS events (concurrent streams held open, for memory);
 * `/cut/v1/...` cuts a stream halfway unless asked to continue one; `/late/v1/...` sends its first
 * token after LATE_MS;
 * `…/responses` streams the same answer as Responses API events, `/v1/messages` as Messages events.
 */
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20);
const SLOW_EVENTS = Number(process.env.BENCH_SLOW_EVENTS ?? 100);
const SLOW_GAP_MS = Number(process.env.BENCH_SLOW_GAP_MS ?? 30);
const LATE_MS = Number(process.env.BENCH_LATE_MS ?? 30);
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

/** The same answer as a Responses API stream (`POST …/responses`), as OpenAI sends it. */
const responsesFrames = (() => {
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: sequence++ })}\n\n`;
  const response = (status: string, output: unknown[], usage: unknown = null) => ({ id: 'resp_bench', object: 'response', created_at: 1767000000, status, model: 'bench-model', output, usage });
  const text = Array.from({ length: CHUNKS }, (_, i) => `token${i} `).join('');
  const item = { id: 'msg_bench', type: 'message', status: 'in_progress', role: 'assistant', content: [] as unknown[] };
  const part = (t: string) => ({ type: 'output_text', text: t, annotations: [], logprobs: [] });
  const done = { ...item, status: 'completed', content: [part(text)] };
  const at = { item_id: item.id, output_index: 0, content_index: 0 };
  return [
    event('response.created', { response: response('in_progress', []) }),
    event('response.in_progress', { response: response('in_progress', []) }),
    event('response.output_item.added', { output_index: 0, item }),
    event('response.content_part.added', { ...at, part: part('') }),
    ...Array.from({ length: CHUNKS }, (_, i) => event('response.output_text.delta', { ...at, delta: `token${i} `, logprobs: [] })),
    event('response.output_text.done', { ...at, text, logprobs: [] }),
    event('response.content_part.done', { ...at, part: part(text) }),
    event('response.output_item.done', { output_index: 0, item: done }),
    event('response.completed', {
      response: response('completed', [done], { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: CHUNKS, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 10 + CHUNKS }),
    }),
  ];
})();

/** The same answer as a Messages API stream (`POST /v1/messages`), as Anthropic sends it. */
const messagesFrames = (() => {
  const event = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
  const message = { id: 'msg_bench', type: 'message', role: 'assistant', model: 'bench-model', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } };
  return [
    event('message_start', { message }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
    ...Array.from({ length: CHUNKS }, (_, i) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: `token${i} ` } })),
    event('content_block_stop', { index: 0 }),
    event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: CHUNKS } }),
    event('message_stop', {}),
  ];
})();

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
    if (req.url?.endsWith('/responses') || req.url?.endsWith('/v1/messages')) {
      for (const f of req.url.endsWith('/responses') ? responsesFrames : messagesFrames) res.write(f);
      res.end();
      return;
    }
    if (req.url?.startsWith('/cut/') && !body.includes('cut off mid-answer')) {
      // Half the answer, then the socket dies; the proxy's continuation (instruction form) is served whole.
      res.write(opening);
      for (let i = 1; i < CHUNKS / 2; i++) res.write(delta(i - 1));
      res.write(delta(CHUNKS / 2 - 1), () => res.destroy());
      return;
    }
    if (req.url?.startsWith('/late/')) {
      // Headers at once, the first token only after LATE_MS: the primary a hedge races.
      setTimeout(() => {
        for (const f of frames) res.write(f);
        res.end();
      }, LATE_MS);
      return;
    }
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
