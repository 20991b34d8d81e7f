import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicIngress } from '../../../functions/dialects/anthropic/index.ts';
import { AnswerBuilder } from '../../../functions/ir/answer.ts';
import type { ClientError } from '../../../functions/ir/client-error.ts';
import type { ResponseMeta } from '../../../functions/ir/dialect.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';

/**
 * The official `@anthropic-ai/sdk` reads what our ingress writes: its SSE parser and message
 * accumulator (`finalMessage`) on the encoder's stream, its response parsing on renderAnswer, and
 * its error handling on fail() and renderError.
 */

let server: Server;
let baseURL: string;
let script: { events: StreamEvent[]; failWith?: ClientError; error?: ClientError };
let lastBody: Record<string, unknown> | undefined;

const meta: ResponseMeta = { id: 'msg_proxy_sdk', created: 1767000000, model: 'claude-sonnet-4-5-20250929', request: { model: 'fast', system: [], messages: [], stream: true } };

function rendered(events: StreamEvent[]): unknown {
  const builder = new AnswerBuilder();
  for (const event of events) builder.add(event);
  return JSON.parse(anthropicIngress.renderAnswer(builder.result(), meta));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      lastBody = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      if (script.error) {
        const { status, body } = anthropicIngress.renderError(script.error);
        res.writeHead(status, { 'content-type': 'application/json', 'x-should-retry': 'false' });
        res.end(body);
        return;
      }
      if (lastBody.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(rendered(script.events)));
        return;
      }
      const encoder = anthropicIngress.createEncoder(meta);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // One write per event, as the proxy streams them.
      for (const event of script.events) {
        const text = encoder.event(event);
        if (text) res.write(text);
      }
      res.end(script.failWith ? encoder.fail(script.failWith) : encoder.end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The SDK adds `parsed_output` (structured-output helper) to what finalMessage() returns: not on the wire. */
function wire(message: object): unknown {
  return { ...message, parsed_output: undefined };
}

const client = () => new Anthropic({ baseURL, apiKey: 'x', maxRetries: 0 });
const params = { model: 'fast', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Weather in Oslo and the time?' }] };

const toolEvents: StreamEvent[] = [
  { type: 'start', id: 'up', model: 'gpt-4o-mini' },
  { type: 'text-delta', text: 'Checking ' },
  { type: 'text-delta', text: 'both.' },
  { type: 'tool-call-start', index: 0, id: 'toolu_a', name: 'get_weather' },
  { type: 'tool-call-delta', index: 0, arguments: '{"city":' },
  { type: 'tool-call-delta', index: 0, arguments: '"Oslo"}' },
  { type: 'tool-call-end', index: 0 },
  { type: 'tool-call-start', index: 1, id: 'toolu_b', name: 'get_time' },
  { type: 'tool-call-end', index: 1 },
  { type: 'finish', reason: 'tool-calls', providerReason: 'tool_calls' },
  { type: 'usage', usage: { inputTokens: 40, outputTokens: 12, cacheReadTokens: 8 } },
];

describe('@anthropic-ai/sdk against the anthropic ingress', () => {
  it('stream().finalMessage() equals the non-streamed rendering (text + tool_use)', async () => {
    script = { events: toolEvents };
    const final = await client().messages.stream(params).finalMessage();
    expect(lastBody?.stream).toBe(true);
    expect(wire(final)).toEqual(rendered(toolEvents));
    expect(final.content).toEqual([
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Oslo' } },
      { type: 'tool_use', id: 'toolu_b', name: 'get_time', input: {} },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 32, output_tokens: 12, cache_read_input_tokens: 8 });
  });

  it('streams thinking with its signature', async () => {
    const events: StreamEvent[] = [
      { type: 'start' },
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 1 } },
      { type: 'reasoning-delta', text: 'Two plus two.' },
      { type: 'reasoning-delta', text: '', signature: 'sig-abc' },
      { type: 'text-delta', text: '4' },
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 9 } },
      { type: 'finish', reason: 'stop', providerReason: 'end_turn' },
    ];
    script = { events };
    const final = await client().messages.stream(params).finalMessage();
    expect(wire(final)).toEqual(rendered(events));
    expect(final.content[0]).toEqual({ type: 'thinking', thinking: 'Two plus two.', signature: 'sig-abc' });
  });

  it('messages.create (non-streaming) parses renderAnswer', async () => {
    script = { events: toolEvents };
    const message = await client().messages.create(params);
    expect(lastBody?.stream).toBeUndefined();
    expect(message).toEqual(rendered(toolEvents));
    expect(message.stop_reason).toBe('tool_use');
  });

  it('an in-band error after commit makes the SDK stream fail, not finish', async () => {
    script = { events: toolEvents.slice(0, 3), failWith: { status: 529, type: 'overloaded', message: 'upstream overloaded' } };
    const stream = client().messages.stream(params);
    await expect(stream.finalMessage()).rejects.toThrow(/upstream overloaded/);
  });

  it('renderError becomes the SDK error class of its status', async () => {
    script = { events: [], error: { status: 429, type: 'rate_limit', message: 'slow down' } };
    const error = await client()
      .messages.create(params)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).error).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
  });
});
