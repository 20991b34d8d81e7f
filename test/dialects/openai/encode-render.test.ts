import { describe, expect, it } from 'vitest';
import { openaiIngress } from '../../../functions/dialects/openai/index.ts';
import { AnswerBuilder } from '../../../functions/ir/answer.ts';
import type { ClientError } from '../../../functions/ir/client-error.ts';
import type { ResponseMeta } from '../../../functions/ir/dialect.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';
import type { ChatRequest } from '../../../functions/ir/request.ts';

function meta(request: Partial<ChatRequest> = {}): ResponseMeta {
  return { id: 'chatcmpl-proxy1', created: 1767000000, model: 'gpt-4o-mini', request: { model: 'fast', system: [], messages: [], stream: true, ...request } };
}

function encode(events: StreamEvent[], m: ResponseMeta = meta()): string {
  const encoder = openaiIngress.createEncoder(m);
  return events.map((e) => encoder.event(e)).join('') + encoder.end();
}

const head = '"id":"chatcmpl-proxy1","object":"chat.completion.chunk","created":1767000000,"model":"gpt-4o-mini"';
const chunk = (delta: string, finish = 'null') => `data: {${head},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}\n\n`;

const textEvents: StreamEvent[] = [
  { type: 'start', id: 'upstream-id', model: 'gpt-4o-mini' },
  { type: 'text-delta', text: 'Paris is' },
  { type: 'text-delta', text: ' the capital.' },
  { type: 'finish', reason: 'stop', providerReason: 'stop' },
  { type: 'usage', usage: { inputTokens: 21, outputTokens: 5, cacheReadTokens: 3 } },
];

const toolEvents: StreamEvent[] = [
  { type: 'start' },
  { type: 'text-delta', text: 'Checking.' },
  { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
  { type: 'tool-call-delta', index: 0, arguments: '{"city":' },
  { type: 'tool-call-delta', index: 0, arguments: '"Oslo"}' },
  { type: 'tool-call-end', index: 0 },
  { type: 'tool-call-start', index: 1, id: 'call_b', name: 'get_time' },
  { type: 'tool-call-end', index: 1 },
  { type: 'usage', usage: { inputTokens: 50, outputTokens: 20, reasoningTokens: 4 } },
  { type: 'finish', reason: 'tool-calls' },
];

describe('openai encoder', () => {
  it('a text stream, exactly; no usage chunk without include_usage', () => {
    expect(encode(textEvents)).toBe(
      chunk('{"role":"assistant","content":""}') + chunk('{"content":"Paris is"}') + chunk('{"content":" the capital."}') + chunk('{}', '"stop"') + 'data: [DONE]\n\n',
    );
  });

  it('with include_usage: one usage chunk with choices [] after the finish chunk, before [DONE]', () => {
    const out = encode(textEvents, meta({ includeUsage: true }));
    expect(out).toBe(
      chunk('{"role":"assistant","content":""}') +
        chunk('{"content":"Paris is"}') +
        chunk('{"content":" the capital."}') +
        chunk('{}', '"stop"') +
        `data: {${head},"choices":[],"usage":{"prompt_tokens":21,"completion_tokens":5,"total_tokens":26,"prompt_tokens_details":{"cached_tokens":3}}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  it('a tool stream, exactly (a no-argument call gets "{}" at its end)', () => {
    expect(encode(toolEvents, meta({ includeUsage: true }))).toBe(
      chunk('{"role":"assistant","content":""}') +
        chunk('{"content":"Checking."}') +
        chunk('{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}') +
        chunk('{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]}') +
        chunk('{"tool_calls":[{"index":0,"function":{"arguments":"\\"Oslo\\"}"}}]}') +
        chunk('{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]}') +
        chunk('{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]}') +
        chunk('{}', '"tool_calls"') +
        `data: {${head},"choices":[],"usage":{"prompt_tokens":50,"completion_tokens":20,"total_tokens":70,"completion_tokens_details":{"reasoning_tokens":4}}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  it('the role chunk comes lazily when no start event came; reasoning is reasoning_content', () => {
    expect(encode([{ type: 'reasoning-delta', text: 'hmm' }, { type: 'text-delta', text: 'ok' }, { type: 'finish', reason: 'length' }])).toBe(
      chunk('{"role":"assistant","content":""}') + chunk('{"reasoning_content":"hmm"}') + chunk('{"content":"ok"}') + chunk('{}', '"length"') + 'data: [DONE]\n\n',
    );
  });

  it('fail() writes an error event with no finish_reason and no [DONE]', () => {
    const encoder = openaiIngress.createEncoder(meta());
    const before = encoder.event({ type: 'start' }) + encoder.event({ type: 'text-delta', text: 'Once' });
    const error: ClientError = { status: 503, type: 'overloaded', message: 'the provider failed mid-answer' };
    const tail = encoder.fail(error);
    expect(tail).toBe('data: {"error":{"message":"the provider failed mid-answer","type":"server_error","param":null,"code":null}}\n\n');
    expect(before + tail).not.toContain('[DONE]');
    expect(before + tail).not.toContain('"finish_reason":"');
  });
});

describe('openai renderAnswer', () => {
  function answer(events: StreamEvent[]) {
    const builder = new AnswerBuilder();
    for (const e of events) builder.add(e);
    return builder.result();
  }

  it('text answer with usage', () => {
    expect(JSON.parse(openaiIngress.renderAnswer(answer(textEvents), meta()))).toEqual({
      id: 'chatcmpl-proxy1',
      object: 'chat.completion',
      created: 1767000000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Paris is the capital.', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26, prompt_tokens_details: { cached_tokens: 3 } },
    });
  });

  it('tool calls, reasoning_content, and null content when there is no text', () => {
    const rendered = JSON.parse(
      openaiIngress.renderAnswer(
        answer([
          { type: 'reasoning-delta', text: 'think' },
          { type: 'tool-call-start', index: 0, id: 'call_a', name: 'now' },
          { type: 'tool-call-end', index: 0 },
          { type: 'finish', reason: 'tool-calls' },
        ]),
        meta(),
      ),
    );
    expect(rendered.choices[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: null, refusal: null, reasoning_content: 'think', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'now', arguments: '{}' } }] },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
    expect(rendered.usage).toBeUndefined();
  });

  it('content-filter and other finish reasons', () => {
    const filtered = JSON.parse(openaiIngress.renderAnswer(answer([{ type: 'finish', reason: 'content-filter' }]), meta()));
    expect(filtered.choices[0].finish_reason).toBe('content_filter');
    const other = JSON.parse(openaiIngress.renderAnswer(answer([{ type: 'finish', reason: 'stop-sequence' }]), meta()));
    expect(other.choices[0].finish_reason).toBe('stop');
  });
});

describe('openai renderError', () => {
  it.each([
    [{ status: 400, type: 'invalid_request', message: 'bad', param: 'n' }, { message: 'bad', type: 'invalid_request_error', param: 'n', code: null }],
    [{ status: 401, type: 'authentication', message: 'no key' }, { message: 'no key', type: 'authentication_error', param: null, code: null }],
    [{ status: 403, type: 'permission', message: 'nope' }, { message: 'nope', type: 'permission_error', param: null, code: null }],
    [{ status: 404, type: 'not_found', message: 'no such alias', code: 'model_not_found' }, { message: 'no such alias', type: 'invalid_request_error', param: null, code: 'model_not_found' }],
    [{ status: 429, type: 'rate_limit', message: 'slow down' }, { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' }],
    [{ status: 503, type: 'overloaded', message: 'down' }, { message: 'down', type: 'server_error', param: null, code: null }],
    [{ status: 504, type: 'timeout', message: 'late' }, { message: 'late', type: 'server_error', param: null, code: 'timeout' }],
    [{ status: 502, type: 'api_error', message: 'keys' }, { message: 'keys', type: 'api_error', param: null, code: null }],
    [{ status: 400, type: 'invalid_request', message: 'long', code: 'context_length_exceeded' }, { message: 'long', type: 'invalid_request_error', param: null, code: 'context_length_exceeded' }],
  ] as [ClientError, unknown][])('%o', (error, expected) => {
    const rendered = openaiIngress.renderError(error);
    expect(rendered.status).toBe(error.status);
    expect(JSON.parse(rendered.body)).toEqual({ error: expected });
  });
});
