import { describe, expect, it } from 'vitest';
import { anthropicIngress } from '../../../functions/dialects/anthropic/index.ts';
import type { ChatRequest } from '../../../functions/ir/request.ts';

function parsed(body: unknown): ChatRequest {
  const result = anthropicIngress.parseRequest(body);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.message}`);
  return result.request;
}

function rejected(body: unknown): { message: string; param?: string; status: number; type: string } {
  const result = anthropicIngress.parseRequest(body);
  if (result.ok) throw new Error('expected a 400');
  return result.error;
}

const base = { model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };

describe('anthropicIngress.parseRequest', () => {
  it('parses a minimal request', () => {
    expect(parsed(base)).toEqual({ model: 'claude', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false, maxTokens: 100 });
  });

  it('maps system, sampling, stop sequences, thinking and keeps unmodelled fields as passthrough', () => {
    const request = parsed({
      ...base,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Be kind.' }],
      stream: true,
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      metadata: { user_id: 'u-1' },
      service_tier: 'auto',
    });
    expect(request).toEqual({
      model: 'claude',
      system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Be kind.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      stream: true,
      maxTokens: 100,
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      stop: ['END'],
      reasoning: { budgetTokens: 2048 },
      passthrough: { dialect: 'anthropic', fields: { metadata: { user_id: 'u-1' }, service_tier: 'auto' } },
    });
    expect(parsed({ ...base, system: 'Just text.' }).system).toEqual([{ type: 'text', text: 'Just text.' }]);
  });

  it('parses blocks: images, tool use, tool results first, thinking with signatures', () => {
    const request = parsed({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:', cache_control: { type: 'ephemeral' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Hmm.', signature: 'sig-1' },
            { type: 'redacted_thinking', data: 'enc' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'And tomorrow?' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'no clock' }], is_error: true },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Hmm.', signature: 'sig-1' },
          { type: 'reasoning', text: '', signature: 'redacted_thinking:enc' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          { type: 'tool-call', id: 'toolu_2', name: 'get_time', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'toolu_1', toolName: 'get_weather', content: [{ type: 'text', text: 'Sunny' }] },
      { role: 'tool', toolCallId: 'toolu_2', toolName: 'get_time', content: [{ type: 'text', text: 'no clock' }], isError: true },
      { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
    ]);
  });

  it('maps tools and tool_choice', () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, cache_control: { type: 'ephemeral' } }];
    const request = parsed({ ...base, tools, tool_choice: { type: 'any', disable_parallel_tool_use: true } });
    expect(request.tools).toEqual([{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }]);
    expect(request.toolChoice).toEqual({ type: 'required' });
    expect(request.parallelToolCalls).toBe(false);
    expect(parsed({ ...base, tools, tool_choice: { type: 'auto' } }).toolChoice).toEqual({ type: 'auto' });
    expect(parsed({ ...base, tools, tool_choice: { type: 'none' } }).toolChoice).toEqual({ type: 'none' });
    expect(parsed({ ...base, tools, tool_choice: { type: 'tool', name: 'get_weather' } }).toolChoice).toEqual({ type: 'tool', name: 'get_weather' });
  });

  it('takes a system message before the first turn into the system prompt and keeps a later one in place', () => {
    const request = parsed({
      ...base,
      system: 'Be brief.',
      messages: [
        { role: 'system', content: 'Use metric units.' },
        { role: 'user', content: 'Weather?' },
        { role: 'system', content: [{ type: 'text', text: 'Plan mode is on.' }] },
      ],
    });
    expect(request.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Use metric units.' },
    ]);
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      { role: 'system', content: [{ type: 'text', text: 'Plan mode is on.' }] },
    ]);
  });

  it('keeps thinking modes the IR cannot model (adaptive) as passthrough', () => {
    const request = parsed({ ...base, thinking: { type: 'adaptive' } });
    expect(request.reasoning).toBeUndefined();
    expect(request.passthrough).toEqual({ dialect: 'anthropic', fields: { thinking: { type: 'adaptive' } } });
    expect(parsed({ ...base, thinking: { type: 'disabled' } }).passthrough).toBeUndefined();
  });

  it.each([
    [{ max_tokens: 10, messages: [] as unknown[] }, 'model'],
    [{ model: 'c', max_tokens: 10 }, 'messages'],
    [{ model: 'c', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    [{ ...base, max_tokens: 'lots' }, 'max_tokens'],
    [{ ...base, max_tokens: 1.5 }, 'max_tokens'],
    [{ ...base, temperature: 1.5 }, 'temperature'],
    [{ ...base, stream: 'yes' }, 'stream'],
    [{ ...base, messages: 'hi' }, 'messages'],
    [{ ...base, messages: [] }, 'messages'],
    [{ ...base, messages: [{ role: 'system', content: 'x' }] }, 'messages'],
    [{ ...base, messages: [{ role: 'developer', content: 'x' }] }, 'messages[0].role'],
    [{ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'system', content: [{ type: 'image' }] }] }, 'messages[1].content[0].type'],
    [{ ...base, messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }, 'messages[0].content[0].source.type'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'text/plain', data: 'aGk=' } }] }] }, 'messages[0].content[0].source.media_type'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x' }, citations: 'on' }] }] }, 'messages[0].content[0].citations'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'search_result', source: 'u', title: 't', content: 'x' }] }] }, 'messages[0].content[0].content'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 42 }] }] }, 'messages[0].content[0].type'],
    [{ ...base, messages: [{ role: 'assistant', content: [{ type: 'text', text: 'x', citations: 'p1' }] }] }, 'messages[0].content[0].citations'],
    [{ ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: 'x' }] }] }, 'messages[0].content[0].input'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'tool_result' }] }] }, 'messages[0].content[0].tool_use_id'],
    [{ ...base, system: 5 }, 'system'],
    [{ ...base, stop_sequences: 'END' }, 'stop_sequences'],
    [{ ...base, tools: [{ name: 'x' }] }, 'tools[0].input_schema'],
    [{ ...base, tools: [{ type: 5, name: 'web_search' }] }, 'tools[0].type'],
    [{ ...base, tool_choice: { type: 'function' } }, 'tool_choice.type'],
    [{ ...base, thinking: { type: 'enabled' } }, 'thinking.budget_tokens'],
  ])('rejects %j naming %s', (body, param) => {
    const error = rejected(body);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request', param });
    expect(error.message).toContain(param.split('.').at(-1)!.replace(/\[\d+\]$/, ''));
  });

  it('reads documents in every source form, with title, context and citations', () => {
    const pdf = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'Q3.pdf', context: 'the report', citations: { enabled: true } };
    const request = parsed({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            pdf,
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' } },
            { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' }, cache_control: { type: 'ephemeral' } },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'chunk one' }] } },
            { type: 'document', source: { type: 'file', file_id: 'file_011' } },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
    });
    expect(request.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'document', source: { type: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, title: 'Q3.pdf', context: 'the report', citations: true },
        { type: 'document', source: { type: 'text', text: 'plain words' } },
        { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
        { type: 'document', source: { type: 'content', parts: [{ type: 'text', text: 'chunk one' }] } },
        { type: 'document', source: { type: 'file', fileId: 'file_011', issuer: 'anthropic' } },
        { type: 'text', text: 'Summarise.' },
      ],
    });
  });

  it('keeps blocks the IR does not model as opaque parts (search results with a text form), server tools aside, citations on assistant text', () => {
    const search = { type: 'search_result', source: 'https://kb/1', title: 'Refunds', content: [{ type: 'text', text: 'Within 30 days.' }], citations: { enabled: true } };
    const serverUse = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } };
    const serverResult = { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://a', title: 'A', encrypted_content: 'enc' }] };
    const citations = [{ type: 'web_search_result_location', url: 'https://a', title: 'A', encrypted_index: 'ei', cited_text: 'c' }];
    const tool = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 };
    const request = parsed({
      ...base,
      tools: [tool],
      messages: [
        { role: 'user', content: [search, { type: 'container_upload', file_id: 'file_9' }, { type: 'text', text: 'q' }] },
        { role: 'assistant', content: [serverUse, serverResult, { type: 'text', text: 'A says c.', citations }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: [search] }] },
      ],
    });
    expect(request.providerTools).toEqual({ dialect: 'anthropic', tools: [tool] });
    expect(request.tools).toBeUndefined();
    expect(request.messages[0]!.content).toEqual([
      { type: 'opaque', dialect: 'anthropic', block: search, text: 'Search result: Refunds\nSource: https://kb/1\n\nWithin 30 days.' },
      { type: 'opaque', dialect: 'anthropic', block: { type: 'container_upload', file_id: 'file_9' } },
      { type: 'text', text: 'q' },
    ]);
    expect(request.messages[1]!.content).toEqual([
      { type: 'opaque', dialect: 'anthropic', block: serverUse },
      { type: 'opaque', dialect: 'anthropic', block: serverResult },
      { type: 'text', text: 'A says c.', citations },
    ]);
    expect(request.messages[2]).toMatchObject({ role: 'tool', content: [{ type: 'opaque', block: search }] });
    // An image from the Files API is meaningful to Anthropic only: kept as sent.
    const fileImage = { type: 'image', source: { type: 'file', file_id: 'file_7' } };
    expect(parsed({ ...base, messages: [{ role: 'user', content: [fileImage] }] }).messages[0]!.content).toEqual([{ type: 'opaque', dialect: 'anthropic', block: fileImage }]);
  });

  it('rejects a body that is not an object', () => {
    expect(rejected('nope')).toMatchObject({ status: 400, type: 'invalid_request' });
  });
});
