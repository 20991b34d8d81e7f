import { describe, expect, it } from 'vitest';
import { anthropicIngress } from '../../../functions/dialects/anthropic/index.ts';
import { AnswerBuilder } from '../../../functions/ir/answer.ts';
import { clientError } from '../../../functions/ir/client-error.ts';
import type { ResponseMeta } from '../../../functions/ir/dialect.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';
import { estimateInputTokens } from '../../../functions/dialects/shared/token-estimate.ts';

const meta: ResponseMeta = {
  id: 'msg_proxy1',
  created: 1767000000,
  model: 'claude-sonnet-4-5',
  request: { model: 'fast', system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'What is the weather in Oslo today?' }] }], stream: true },
};

function frame(type: string, payload: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

function encode(events: StreamEvent[]): string[] {
  const encoder = anthropicIngress.createEncoder(meta);
  const out = events.map((e) => encoder.event(e));
  out.push(encoder.end());
  return out;
}

const zeroUsage = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
/** What message_start says before the upstream reported usage: the cheap estimate of the request. */
const estimatedUsage = { ...zeroUsage, input_tokens: estimateInputTokens(meta.request) };

describe('anthropic encoder', () => {
  it('text: message_start carries the early input usage; the finish waits for end()', () => {
    const out = encode([
      { type: 'start', id: 'up', model: 'x' },
      { type: 'usage', usage: { inputTokens: 120, outputTokens: 1, cacheReadTokens: 100 } },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'usage', usage: { inputTokens: 120, outputTokens: 5, cacheReadTokens: 100 } },
      { type: 'finish', reason: 'stop', providerReason: 'end_turn' },
    ]);
    expect(out).toEqual([
      '',
      '',
      frame('message_start', {
        message: { id: 'msg_proxy1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 0, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 } },
      }) +
        frame('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
        frame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
      frame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'lo' } }),
      '',
      frame('content_block_stop', { index: 0 }),
      frame('message_delta', {
        delta: { stop_reason: 'end_turn', stop_sequence: null, stop_details: null },
        usage: { input_tokens: 20, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 },
      }) + frame('message_stop', {}),
    ]);
  });

  it('reasoning, text and tool calls open a new block per kind; a usage after the finish releases message_delta', () => {
    const out = encode([
      { type: 'start' },
      { type: 'reasoning-delta', text: 'Think.' },
      { type: 'reasoning-delta', text: '', signature: 'sig' },
      { type: 'text-delta', text: 'Both.' },
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":"Oslo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'get_time' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', reason: 'tool-calls' },
      { type: 'usage', usage: { inputTokens: 40, outputTokens: 12 } },
    ]).join('');
    expect(out).toBe(
      frame('message_start', { message: { id: 'msg_proxy1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: estimatedUsage } }) +
        frame('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }) +
        frame('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Think.' } }) +
        frame('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig' } }) +
        frame('content_block_stop', { index: 0 }) +
        frame('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }) +
        frame('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Both.' } }) +
        frame('content_block_stop', { index: 1 }) +
        frame('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} } }) +
        frame('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":"Oslo"}' } }) +
        frame('content_block_stop', { index: 2 }) +
        frame('content_block_start', { index: 3, content_block: { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} } }) +
        frame('content_block_stop', { index: 3 }) +
        frame('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null, stop_details: null }, usage: { input_tokens: 40, output_tokens: 12, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } }) +
        frame('message_stop', {}),
    );
  });

  it('an upstream that counts at the end: message_start estimates the input tokens, message_delta gives the count', () => {
    const out = encode([
      { type: 'text-delta', text: 'Sunny.' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 17, outputTokens: 3 } },
    ]).join('');
    const estimate = estimateInputTokens(meta.request);
    expect(estimate).toBeGreaterThan(5);
    expect(estimate).toBeLessThan(30);
    expect(out).toContain(`"usage":{"input_tokens":${estimate},"output_tokens":0,`);
    expect(out).toContain(frame('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null, stop_details: null }, usage: { ...zeroUsage, input_tokens: 17, output_tokens: 3 } }));
  });

  it('writes a redacted thinking block whole, and carries the stop sequence', () => {
    const out = encode([
      { type: 'reasoning-delta', text: '', signature: 'redacted_thinking:enc' },
      { type: 'text-delta', text: '1 2 3' },
      { type: 'finish', reason: 'stop-sequence', stopSequence: '4' },
    ]).join('');
    expect(out).toContain(frame('content_block_start', { index: 0, content_block: { type: 'redacted_thinking', data: 'enc' } }) + frame('content_block_stop', { index: 0 }));
    expect(out).toContain(frame('message_delta', { delta: { stop_reason: 'stop_sequence', stop_sequence: '4', stop_details: null }, usage: estimatedUsage }));
  });

  it('fail() writes an error event and nothing that looks like a clean end', () => {
    const encoder = anthropicIngress.createEncoder(meta);
    encoder.event({ type: 'text-delta', text: 'partial' });
    const text = encoder.fail(clientError(529, 'overloaded', 'Every target is overloaded'));
    expect(text).toBe(frame('error', { error: { type: 'overloaded_error', message: 'Every target is overloaded' } }));
    expect(text).not.toContain('message_stop');
    expect(text).not.toContain('message_delta');
  });
});

describe('anthropic renderAnswer', () => {
  it('renders blocks in order with parsed tool input, stop reason and Anthropic usage', () => {
    const builder = new AnswerBuilder();
    const events: StreamEvent[] = [
      { type: 'start', id: 'up', model: 'x' },
      { type: 'reasoning-delta', text: 'Think.' },
      { type: 'reasoning-delta', text: '', signature: 'sig' },
      { type: 'text-delta', text: 'Checking.' },
      { type: 'tool-call-start', index: 0, id: 'toolu_1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":"Oslo"}' },
      { type: 'tool-call-start', index: 1, id: 'toolu_2', name: 'broken' },
      { type: 'tool-call-delta', index: 1, arguments: '{"city":' },
      { type: 'finish', reason: 'tool-calls' },
      { type: 'usage', usage: { inputTokens: 2105, outputTokens: 30, cacheReadTokens: 2000, cacheWriteTokens: 100 } },
    ];
    for (const e of events) builder.add(e);
    expect(JSON.parse(anthropicIngress.renderAnswer(builder.result(), meta))).toEqual({
      id: 'msg_proxy1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'Think.', signature: 'sig' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
        // Invalid JSON arguments cannot be an input object: {}.
        { type: 'tool_use', id: 'toolu_2', name: 'broken', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      stop_details: null,
      usage: { input_tokens: 5, output_tokens: 30, cache_read_input_tokens: 2000, cache_creation_input_tokens: 100 },
    });
  });

  it.each([
    ['length', 'max_tokens'],
    ['content-filter', 'refusal'],
    ['other', 'end_turn'],
  ] as const)('finish %s → stop_reason %s', (reason, stopReason) => {
    const rendered = JSON.parse(anthropicIngress.renderAnswer({ content: [], finishReason: reason }, meta));
    expect(rendered.stop_reason).toBe(stopReason);
    expect(rendered.usage).toEqual(estimatedUsage);
  });
});

describe('anthropic renderError', () => {
  it.each([
    [clientError(400, 'invalid_request', 'bad', { param: 'max_tokens' }), 400, 'invalid_request_error'],
    [clientError(401, 'authentication', 'no key'), 401, 'authentication_error'],
    [clientError(403, 'permission', 'no'), 403, 'permission_error'],
    [clientError(404, 'not_found', 'unknown alias'), 404, 'not_found_error'],
    [clientError(405, 'method_not_allowed', 'POST only'), 405, 'invalid_request_error'],
    [clientError(413, 'request_too_large', 'too big'), 413, 'request_too_large'],
    [clientError(429, 'rate_limit', 'slow down'), 429, 'rate_limit_error'],
    [clientError(503, 'overloaded', 'all down'), 503, 'overloaded_error'],
    [clientError(529, 'api_error', 'overloaded upstream'), 529, 'overloaded_error'],
    [clientError(504, 'timeout', 'deadline'), 504, 'timeout_error'],
    [clientError(500, 'api_error', 'oops'), 500, 'api_error'],
  ])('%j → %i %s', (error, status, type) => {
    const rendered = anthropicIngress.renderError(error);
    expect(rendered.status).toBe(status);
    expect(JSON.parse(rendered.body)).toEqual({ type: 'error', error: { type, message: error.message } });
  });
});
