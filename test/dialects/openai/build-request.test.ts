import { describe, expect, it } from 'vitest';
import { buildOpenAiRequest, mistralToolCallId } from '../../../functions/dialects/openai/build-request.ts';
import type { TargetCall } from '../../../functions/ir/dialect.ts';
import type { ChatRequest } from '../../../functions/ir/request.ts';

function target(kind: string, model = 'm'): TargetCall {
  return { provider: { name: kind, kind, baseUrl: 'http://127.0.0.1:1/v1' }, model, forwardHeaders: {} };
}

const base: ChatRequest = { model: 'alias', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: true };

function body(request: ChatRequest, kind = 'openai'): Record<string, unknown> {
  const built = buildOpenAiRequest(request, target(kind));
  if (!built.ok) throw new Error(built.failure.message);
  return built.body;
}

describe('buildOpenAiRequest', () => {
  it('a minimal request: model, one user string, streamed with usage', () => {
    expect(body(base)).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
  });

  it('several text parts stay parts; an empty user turn is an empty string', () => {
    const request: ChatRequest = {
      ...base,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
        { role: 'user', content: [] },
      ],
    };
    expect(body(request).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'user', content: '' },
    ]);
  });

  it('assistant text plus calls keeps the text; an error tool result with no text says so', () => {
    const request: ChatRequest = {
      ...base,
      messages: [
        { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool-call', id: 'c1', name: 'f', arguments: '{"a":1}' }] },
        { role: 'tool', toolCallId: 'c1', content: [], isError: true },
      ],
    };
    expect(body(request).messages).toEqual([
      { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'error' },
    ]);
  });

  it('mistral: no stream_options, only fields it knows from passthrough, 9-character tool ids', () => {
    const request: ChatRequest = {
      ...base,
      messages: [
        { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_01ABCdef', name: 'f', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'toolu_01ABCdef', content: [{ type: 'text', text: 'ok' }] },
      ],
      passthrough: { dialect: 'openai', fields: { user: 'u', frequency_penalty: 0.1 } },
    };
    const built = body(request, 'mistral');
    expect(built.stream_options).toBeUndefined();
    expect(built.user).toBeUndefined();
    expect(built.frequency_penalty).toBe(0.1);
    const messages = built.messages as { tool_calls?: { id: string }[]; tool_call_id?: string }[];
    const id = messages[0]!.tool_calls![0]!.id;
    expect(id).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(messages[1]!.tool_call_id).toBe(id);
  });

  it('mistralToolCallId keeps valid ids and maps different ids apart', () => {
    expect(mistralToolCallId('D681PevKs')).toBe('D681PevKs');
    expect(mistralToolCallId('call_1')).not.toBe(mistralToolCallId('call_2'));
    expect(mistralToolCallId('call_1')).toBe(mistralToolCallId('call_1'));
  });

  it('more than 4 stop sequences is unsupported on OpenAI, fine on a compatible vendor', () => {
    const request: ChatRequest = { ...base, stop: ['a', 'b', 'c', 'd', 'e'] };
    const built = buildOpenAiRequest(request, target('openai'));
    expect(built).toEqual({ ok: false, failure: { kind: 'unsupported', message: '5 stop sequences given; OpenAI accepts at most 4', param: 'stop' } });
    expect(body(request, 'together').stop).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('top_k only where accepted; a thinking budget becomes an effort on OpenAI only', () => {
    const request: ChatRequest = { ...base, topK: 40, reasoning: { budgetTokens: 4000 } };
    expect(body(request, 'together').top_k).toBe(40);
    expect(body(request, 'openai').top_k).toBeUndefined();
    expect(body(request, 'openai').reasoning_effort).toBe('medium');
    expect(body(request, 'deepseek').reasoning_effort).toBeUndefined();
  });

  it('json-schema response format and a named tool choice; parallel_tool_calls needs tools', () => {
    const request: ChatRequest = {
      ...base,
      responseFormat: { type: 'json-schema', name: 'out', schema: { type: 'object' }, strict: true },
      toolChoice: { type: 'tool', name: 'f' },
      parallelToolCalls: true,
    };
    const built = body(request);
    expect(built.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } });
    expect(built.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(built.parallel_tool_calls).toBeUndefined();
  });

  it('passthrough never overrides the fields the proxy builds', () => {
    const request: ChatRequest = { ...base, passthrough: { dialect: 'openai', fields: { model: 'other', stream: false, logit_bias: { '1': 2 } } } };
    const built = body(request);
    expect(built.model).toBe('m');
    expect(built.stream).toBe(true);
    expect(built.logit_bias).toEqual({ '1': 2 });
  });
});
