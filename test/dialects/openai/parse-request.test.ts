import { describe, expect, it } from 'vitest';
import { parseOpenAiRequest } from '../../../functions/dialects/openai/parse-request.ts';
import type { ChatRequest } from '../../../functions/ir/request.ts';

function ok(body: unknown): ChatRequest {
  const result = parseOpenAiRequest(body);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.message}`);
  return result.request;
}

function bad(body: unknown): { message: string; param?: string; status: number; type: string } {
  const result = parseOpenAiRequest(body);
  if (result.ok) throw new Error('expected a 400');
  return result.error;
}

const base = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };

describe('parseOpenAiRequest', () => {
  it('a full request maps every modelled field', () => {
    const request = ok({
      model: 'fast',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q": "cat"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
        { role: 'system', content: 'Answer in French.' },
      ],
      max_completion_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      seed: 7,
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Search', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
      logprobs: true,
      user: 'u-1',
      metadata: { team: 'x' },
    });
    expect(request).toEqual({
      model: 'fast',
      stream: true,
      includeUsage: true,
      // Leading instructions are the system prompt; the mid-conversation one stays where it was given.
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Use metric units.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'call_1', name: 'lookup', arguments: '{"q": "cat"}' }] },
        { role: 'tool', toolCallId: 'call_1', toolName: 'lookup', content: [{ type: 'text', text: 'a cat' }] },
        { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }] },
      ],
      maxTokens: 300,
      temperature: 0.2,
      topP: 0.9,
      stop: ['END'],
      seed: 7,
      tools: [{ name: 'lookup', description: 'Search', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: true }],
      toolChoice: { type: 'tool', name: 'lookup' },
      parallelToolCalls: false,
      responseFormat: { type: 'json-schema', name: 'answer', schema: { type: 'object' }, strict: true },
      reasoning: { effort: 'low' },
      passthrough: { dialect: 'openai', fields: { logprobs: true, user: 'u-1', metadata: { team: 'x' } } },
    });
  });

  it('defaults: no stream, max_tokens, stop array, json_object, tool_choice strings, no passthrough', () => {
    const request = ok({ ...base, max_tokens: 50, stop: ['a', 'b'], response_format: { type: 'json_object' }, tool_choice: 'required', n: 1 });
    expect(request).toEqual({
      model: 'fast',
      stream: false,
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      maxTokens: 50,
      stop: ['a', 'b'],
      responseFormat: { type: 'json' },
      toolChoice: { type: 'required' },
    });
  });

  it('include_usage counts only for a streamed request; a tool without parameters gets an empty object schema', () => {
    const request = ok({ ...base, stream_options: { include_usage: true }, tools: [{ type: 'function', function: { name: 'now' } }] });
    expect(request.includeUsage).toBeUndefined();
    expect(request.tools).toEqual([{ name: 'now', parameters: { type: 'object', properties: {} } }]);
  });

  it('reasoning_effort values the IR cannot hold pass through; unknown fields pass through too', () => {
    const request = ok({ ...base, reasoning_effort: 'none', frequency_penalty: 0.5, some_vendor_flag: true });
    expect(request.reasoning).toBeUndefined();
    expect(request.passthrough).toEqual({ dialect: 'openai', fields: { reasoning_effort: 'none', frequency_penalty: 0.5, some_vendor_flag: true } });
  });

  it('assistant text and refusal, tool content as parts, unknown tool ids keep no name', () => {
    const request = ok({
      model: 'fast',
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'text', text: 'Sure.' }], refusal: null },
        { role: 'tool', tool_call_id: 'call_x', content: [{ type: 'text', text: 'r1' }, { type: 'text', text: 'r2' }] },
      ],
    });
    expect(request.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'Sure.' }] },
      { role: 'tool', toolCallId: 'call_x', content: [{ type: 'text', text: 'r1' }, { type: 'text', text: 'r2' }] },
    ]);
  });

  it.each([
    ['a non-object body', [], undefined, /JSON object/],
    ['missing model', { messages: base.messages }, 'model', /model is required/],
    ['missing messages', { model: 'fast' }, 'messages', /messages is required/],
    ['messages not an array', { model: 'fast', messages: 'hi' }, 'messages', /must be an array/],
    ['empty messages', { model: 'fast', messages: [] }, 'messages', /at least one/],
    ['n > 1', { ...base, n: 3 }, 'n', /^n > 1 is not supported: the proxy serves one choice$/],
    ['an unknown role', { model: 'fast', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role', /not supported/],
    ['a numeric content', { model: 'fast', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', /string or an array/],
    ['an audio part', { model: 'fast', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] }, 'messages[0].content[0].type', /not supported/],
    ['a file part with no file', { model: 'fast', messages: [{ role: 'user', content: [{ type: 'file', file: {} }] }] }, 'messages[0].content[0].file', /file_data/],
    ['a file part that is not an object', { model: 'fast', messages: [{ role: 'user', content: [{ type: 'file', file: 'x' }] }] }, 'messages[0].content[0].file', /object/],
    ['an ftp image', { model: 'fast', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }, 'messages[0].content[0].image_url.url', /http/],
    ['tool call arguments as an object', { model: 'fast', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] }] }, 'messages[0].tool_calls[0].function.arguments', /JSON string/],
    ['a tool message without tool_call_id', { model: 'fast', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', /tool_call_id/],
    ['temperature out of range', { ...base, temperature: 3 }, 'temperature', /at most 2/],
    ['max_tokens not an integer', { ...base, max_tokens: 1.5 }, 'max_tokens', /integer/],
    ['stream not a boolean', { ...base, stream: 'yes' }, 'stream', /boolean/],
    ['stop of numbers', { ...base, stop: [1] }, 'stop', /strings/],
    ['a tool schema that is not an object schema', { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'array' } } }] }, 'tools[0].function.parameters.type', /object/],
    ['a tool schema that is an array', { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] }, 'tools[0].function.parameters', /JSON Schema object/],
    ['a custom tool', { ...base, tools: [{ type: 'custom', custom: { name: 'f' } }] }, 'tools[0].type', /not supported/],
    ['a bad tool name', { ...base, tools: [{ type: 'function', function: { name: 'has space' } }] }, 'tools[0].function.name', /letters/],
    ['a bad tool_choice', { ...base, tool_choice: 'any' }, 'tool_choice', /auto/],
    ['a bad response_format', { ...base, response_format: { type: 'yaml' } }, 'response_format.type', /not supported/],
    ['reasoning_effort not a string', { ...base, reasoning_effort: 2 }, 'reasoning_effort', /string/],
  ])('400 for %s', (_name, body, param, message) => {
    const error = bad(body);
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request');
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });
});
