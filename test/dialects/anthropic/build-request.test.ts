import { describe, expect, it } from 'vitest';
import { buildAnthropicRequest, JSON_TOOL_NAME } from '../../../functions/dialects/anthropic/build-request.ts';
import { anthropicIngress } from '../../../functions/dialects/anthropic/index.ts';
import { DEFAULT_MAX_TOKENS, modelLimits } from '../../../functions/dialects/anthropic/model-limits.ts';
import type { ChatRequest, Message } from '../../../functions/ir/request.ts';

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const chat = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'alias', system: [], messages: [user('hi')], stream: false, ...extra });

function body(request: ChatRequest, model = 'claude-sonnet-4-5-20250929'): Record<string, unknown> {
  const built = buildAnthropicRequest(request, model);
  if (!built.ok) throw new Error(built.failure.message);
  return built.body;
}

describe('buildAnthropicRequest', () => {
  it('builds a streamed body with the target model and a system array', () => {
    expect(body(chat({ system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: '' }], maxTokens: 300, seed: 7 }))).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 300,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      system: [{ type: 'text', text: 'Be brief.' }],
      stream: true,
    });
  });

  it('defaults max_tokens per model family and clamps to the model maximum', () => {
    expect(body(chat(), 'some-future-model').max_tokens).toBe(DEFAULT_MAX_TOKENS);
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
    expect(body(chat(), 'claude-sonnet-4-5-20250929').max_tokens).toBe(8192);
    expect(body(chat(), 'claude-3-haiku-20240307').max_tokens).toBe(4096);
    expect(body(chat({ maxTokens: 100000 }), 'claude-opus-4-1-20250805').max_tokens).toBe(32000);
    expect(body(chat({ maxTokens: 100000 }), 'claude-3-5-haiku-latest').max_tokens).toBe(8192);
    expect(body(chat({ maxTokens: 100000 }), 'unknown-model').max_tokens).toBe(100000);
    expect(modelLimits('claude-opus-4-5-20251101')).toEqual({ maxOutput: 64000, defaultOutput: 8192 });
  });

  it('merges same-role runs and puts tool_results first in the user turn', () => {
    const messages: Message[] = [
      user('weather?'),
      user('in Oslo'),
      { role: 'assistant', content: [{ type: 'tool-call', id: 't1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool-call', id: 't2', name: 'get_time', arguments: '' }] },
      user('also this'),
      { role: 'tool', toolCallId: 't1', content: [{ type: 'text', text: 'Sunny' }] },
      { role: 'tool', toolCallId: 't2', content: [], isError: true },
      { role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] },
    ];
    expect(body(chat({ messages })).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather?' }, { type: 'text', text: 'in Oslo' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 't2', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'Sunny' }] },
          { type: 'tool_result', tool_use_id: 't2', is_error: true },
          { type: 'text', text: 'also this' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
        ],
      },
    ]);
  });

  it('starts with a user turn, drops empty turns, trims a prefill and replays only signed reasoning', () => {
    const messages: Message[] = [
      { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
      { role: 'user', content: [{ type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBOR' } }] },
      { role: 'assistant', content: [] },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'unsigned' },
          { type: 'text', text: 'The answer is ' },
          { type: 'reasoning', text: 'signed', signature: 'sig' },
          { type: 'reasoning', text: '', signature: 'redacted_thinking:enc' },
        ],
      },
    ];
    expect(body(chat({ messages })).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: '.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
      { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'signed', signature: 'sig' },
          { type: 'redacted_thinking', data: 'enc' },
          { type: 'text', text: 'The answer is' },
        ],
      },
    ]);
  });

  it('clamps temperature to 0..1, drops top_p next to a temperature, drops blank stop sequences', () => {
    const b = body(chat({ temperature: 1.7, topP: 0.5, topK: 20, stop: ['END', ' ', '\n\nHuman:'] }));
    expect(b).toMatchObject({ temperature: 1, top_k: 20, stop_sequences: ['END', '\n\nHuman:'] });
    expect(b).not.toHaveProperty('top_p');
    expect(body(chat({ topP: 0.5 }))).toMatchObject({ top_p: 0.5 });
  });

  it('maps tools, tool_choice and parallelToolCalls', () => {
    const tools = [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true }];
    expect(body(chat({ tools, toolChoice: { type: 'required' }, parallelToolCalls: false }))).toMatchObject({
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
    expect(body(chat({ tools, parallelToolCalls: false })).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(body(chat({ tools, toolChoice: { type: 'tool', name: 'get_weather' } })).tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(body(chat({ tools, toolChoice: { type: 'none' }, parallelToolCalls: false })).tool_choice).toEqual({ type: 'none' });
    expect(body(chat({ toolChoice: { type: 'auto' } }))).not.toHaveProperty('tool_choice');
  });

  it('thinking: the budget is added on top when max_tokens does not exceed it, sampling dropped', () => {
    const b = body(chat({ reasoning: { effort: 'low' }, maxTokens: 1000, temperature: 0.2, topK: 5 }));
    expect(b).toMatchObject({ max_tokens: 3048, thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(b).not.toHaveProperty('temperature');
    expect(b).not.toHaveProperty('top_k');
    expect(body(chat({ reasoning: { budgetTokens: 500 }, maxTokens: 20000 }))).toMatchObject({ max_tokens: 20000, thinking: { budget_tokens: 1024 } });
    // Raised within the model's maximum: the budget shrinks to half of it.
    expect(body(chat({ reasoning: { budgetTokens: 40000 }, maxTokens: 30000 }), 'claude-opus-4-1')).toMatchObject({ max_tokens: 32000, thinking: { budget_tokens: 16000 } });
    expect(body(chat({ reasoning: { effort: 'high' } }), 'claude-3-haiku-20240307')).toMatchObject({ max_tokens: 4096, thinking: { budget_tokens: 2048 } });
    expect(body(chat({ reasoning: { effort: 'high' }, maxTokens: 1500 }), 'claude-3-haiku-20240307')).toMatchObject({ max_tokens: 4096, thinking: { budget_tokens: 2048 } });
    // max_tokens already above the budget: unchanged.
    expect(body(chat({ reasoning: { effort: 'minimal' }, maxTokens: 2000 }), 'claude-3-5-haiku')).toMatchObject({ max_tokens: 2000, thinking: { budget_tokens: 1024 } });
  });

  it('JSON mode becomes a forced tool with the schema, and thinking is dropped', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
    const built = buildAnthropicRequest(chat({ responseFormat: { type: 'json-schema', name: 'result', schema }, reasoning: { effort: 'low' } }), 'claude-sonnet-4-5');
    expect(built).toMatchObject({ ok: true, jsonToolName: JSON_TOOL_NAME });
    if (!built.ok) return;
    expect(built.body.tools).toEqual([{ name: JSON_TOOL_NAME, description: 'Respond with a JSON object.', input_schema: schema }]);
    expect(built.body.tool_choice).toEqual({ type: 'tool', name: JSON_TOOL_NAME });
    expect(built.body).not.toHaveProperty('thinking');
    expect(body(chat({ responseFormat: { type: 'json' } })).tools).toEqual([
      { name: JSON_TOOL_NAME, description: 'Respond with a JSON object.', input_schema: { type: 'object', additionalProperties: true } },
    ]);
  });

  it('a non-object JSON schema is unsupported before any call', () => {
    const built = buildAnthropicRequest(chat({ responseFormat: { type: 'json-schema', name: 'list', schema: { type: 'array' } } }), 'claude-sonnet-4-5');
    expect(built).toMatchObject({ ok: false, failure: { kind: 'unsupported', param: 'response_format' } });
  });

  it('merges passthrough fields only from an Anthropic client', () => {
    expect(body(chat({ passthrough: { dialect: 'anthropic', fields: { metadata: { user_id: 'u' } } } }))).toMatchObject({ metadata: { user_id: 'u' } });
    expect(body(chat({ passthrough: { dialect: 'openai', fields: { logprobs: true } } }))).not.toHaveProperty('logprobs');
  });

  it('an Anthropic client body survives parse → build unchanged (thinking, redacted, tools, results)', () => {
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Need a tool.', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'enc-2' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'Sunny' }], is_error: true },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ];
    const clientBody = {
      model: 'fast',
      max_tokens: 5000,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages,
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 2000 },
      metadata: { user_id: 'u-1' },
    };
    const parsedRequest = anthropicIngress.parseRequest(clientBody);
    if (!parsedRequest.ok) throw new Error(parsedRequest.error.message);
    expect(body(parsedRequest.request)).toEqual({ ...clientBody, model: 'claude-sonnet-4-5-20250929', thinking: { type: 'enabled', budget_tokens: 2000 }, stream: true });
  });
});
