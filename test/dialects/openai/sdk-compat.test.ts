import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiIngress } from '../../../functions/dialects/openai/index.ts';
import { AnswerBuilder } from '../../../functions/ir/answer.ts';
import type { ClientError } from '../../../functions/ir/client-error.ts';
import type { ResponseMeta } from '../../../functions/ir/dialect.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';

/**
 * The official `openai` SDK reads what our encoder writes: its stream parser, its chunk
 * accumulator (`finalChatCompletion`) and its mid-stream error handling.
 */

let server: Server;
let baseURL: string;
let script: { events: StreamEvent[]; includeUsage: boolean; failWith?: ClientError };

function meta(includeUsage: boolean): ResponseMeta {
  return { id: 'chatcmpl-sdk1', created: 1767000000, model: 'gpt-4o-mini', request: { model: 'fast', system: [], messages: [], stream: true, includeUsage } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const encoder = openaiIngress.createEncoder(meta(script.includeUsage));
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
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = () => new OpenAI({ baseURL, apiKey: 'x', maxRetries: 0 });
const params = { model: 'fast', messages: [{ role: 'user' as const, content: 'hi' }] };

const toolEvents: StreamEvent[] = [
  { type: 'start', id: 'up', model: 'gpt-4o-mini' },
  { type: 'text-delta', text: 'Checking both.' },
  { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
  { type: 'tool-call-delta', index: 0, arguments: '{"city":' },
  { type: 'tool-call-delta', index: 0, arguments: '"Oslo"}' },
  { type: 'tool-call-end', index: 0 },
  { type: 'tool-call-start', index: 1, id: 'call_b', name: 'get_time' },
  { type: 'tool-call-end', index: 1 },
  { type: 'finish', reason: 'tool-calls', providerReason: 'tool_calls' },
  { type: 'usage', usage: { inputTokens: 40, outputTokens: 12, cacheReadTokens: 8 } },
];

function rendered(events: StreamEvent[], includeUsage: boolean): unknown {
  const builder = new AnswerBuilder();
  for (const event of events) builder.add(event);
  return JSON.parse(openaiIngress.renderAnswer(builder.result(), meta(includeUsage)));
}

describe('openai encoder through the official SDK', () => {
  it('create({stream:true}) yields our chunks, usage chunk last', async () => {
    script = { events: toolEvents, includeUsage: true };
    const stream = await client().chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.id === 'chatcmpl-sdk1' && c.created === 1767000000 && c.model === 'gpt-4o-mini')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null).filter(Boolean)).toEqual(['tool_calls']);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 } });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Checking both.');
  });

  it('stream().finalChatCompletion() equals the non-streamed rendering (tool calls included)', async () => {
    script = { events: toolEvents, includeUsage: true };
    const final = await client().chat.completions.stream({ ...params, stream_options: { include_usage: true } }).finalChatCompletion();
    // The SDK's accumulator adds its structured-output helper `parsed: null`; everything else must match.
    const { parsed: _parsed, ...message } = final.choices[0]!.message as unknown as Record<string, unknown>;
    expect({ ...final, choices: [{ ...final.choices[0], message }] }).toEqual(rendered(toolEvents, true));
  });

  it('a text answer without include_usage: no usage chunk, final text matches', async () => {
    const events: StreamEvent[] = [
      { type: 'start' },
      { type: 'text-delta', text: 'Paris ' },
      { type: 'text-delta', text: 'is the capital.' },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 4 } },
      { type: 'finish', reason: 'stop' },
    ];
    script = { events, includeUsage: false };
    const final = await client().chat.completions.stream(params).finalChatCompletion();
    expect(final.usage).toBeUndefined();
    expect(final.choices[0]!.message.content).toBe('Paris is the capital.');
    expect(final.choices[0]!.finish_reason).toBe('stop');
  });

  it('fail(): the SDK raises the error instead of finishing cleanly', async () => {
    script = {
      events: [
        { type: 'start' },
        { type: 'text-delta', text: 'Once upon' },
      ],
      includeUsage: false,
      failWith: { status: 503, type: 'overloaded', message: 'the provider failed mid-answer' },
    };
    const stream = await client().chat.completions.create({ ...params, stream: true });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow('the provider failed mid-answer');
    expect(seen.join('')).toBe('Once upon');
  });
});
