import { describe, expect, it } from 'vitest';
import { anthropicClient, fakeHttp, proxyFor, sseFixture, useCleanups } from './upstreams.ts';

/**
 * Request fidelity (issue 14): a first-party target of the client's own API receives the client's
 * body as sent — prompt-cache marks with their ttl, tool flags, documents, signed thinking, fields
 * the IR does not model and fields no API has yet — with only the proxy's edits (the model, an
 * upstream stream, Chat usage).
 */
useCleanups();

const PDF_DATA = Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64');
/** Documents in every source form, a search result, and the blocks the IR build gives back without their cache marks. */
const documents = [
  { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA }, title: 'Q3.pdf', context: 'Quarterly report', citations: { enabled: true } },
  { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Revenue grew 12 %.' }, title: 'Notes', citations: { enabled: true } },
  { type: 'document', source: { type: 'url', url: 'https://example.com/annex.pdf' } },
  { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'Chunk one.' }, { type: 'text', text: 'Chunk two.' }] }, citations: { enabled: true } },
  { type: 'search_result', source: 'https://kb.example.com/refunds', title: 'Refunds', content: [{ type: 'text', text: 'Within 30 days.' }], citations: { enabled: true } },
];
const citedText = {
  type: 'text',
  text: 'The report says revenue grew.',
  citations: [{ type: 'char_location', cited_text: 'Revenue grew', document_index: 1, document_title: 'Notes', start_char_index: 0, end_char_index: 12 }],
};

const anthropicBody = {
  model: 'alias',
  max_tokens: 2048,
  system: [
    { type: 'text', text: 'You are a careful assistant.', cache_control: { type: 'ephemeral', ttl: '1h' } },
    { type: 'text', text: 'Project rules follow.', cache_control: { type: 'ephemeral' } },
  ],
  tools: [
    { name: 'Read', description: 'Reads a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } }, cache_control: { type: 'ephemeral' } },
    { name: 'Grep', input_schema: { type: 'object' }, defer_loading: true, eager_input_streaming: true },
    { type: 'web_search_20250305', name: 'web_search', max_uses: 2, allowed_domains: ['example.com'] },
  ],
  tool_choice: { type: 'auto', disable_parallel_tool_use: false },
  thinking: { type: 'enabled', budget_tokens: 1024 },
  metadata: { user_id: 'u-123' },
  service_tier: 'auto',
  top_k: 40,
  stop_sequences: ['\n\nHuman:'],
  context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
  future_field: { added: 'next year' },
  messages: [
    {
      role: 'user',
      content: [
        { ...documents[0], cache_control: { type: 'ephemeral', ttl: '1h' } },
        ...documents.slice(1),
        { type: 'text', text: 'Read a.ts, please.', cache_control: { type: 'ephemeral' } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'I should read it.', signature: 'EqQBCkYIBxgCKkA-signed' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy-redacted' },
        citedText,
        { type: 'tool_use', id: 'toolu_01', name: 'Read', input: { path: 'a.ts' } },
      ],
    },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'export const a = 1;', cache_control: { type: 'ephemeral', ttl: '5m' } }],
    },
  ],
};

const chatBody = {
  model: 'alias',
  messages: [
    { role: 'developer', content: 'Answer in JSON.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }],
  parallel_tool_calls: false,
  response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { text: { type: 'string' } } }, strict: true } },
  reasoning_effort: 'low',
  service_tier: 'flex',
  prediction: { type: 'content', content: '{"text":"' },
  metadata: { team: 'a' },
  store: false,
  logprobs: true,
  top_logprobs: 2,
  seed: 7,
  max_completion_tokens: 300,
  future_field: { added: 'next year' },
};

describe('a same-API first-party target receives the client body as sent', () => {
  it('Anthropic Messages: cache_control everywhere (ttl too), tool flags, server tools, documents, search results, citations, signed and redacted thinking, context management, unknown fields', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const response = await fetch(`${h.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'context-management-2025-06-27' },
      body: JSON.stringify(anthropicBody),
    });
    expect(response.status).toBe(200);
    expect(upstream.requests[0]!.body).toEqual({ ...anthropicBody, model: 'claude-sonnet-4-5', stream: true });
    expect(upstream.requests[0]!.headers['anthropic-beta']).toBe('context-management-2025-06-27');
  });

  it('the official Anthropic SDK, streamed: the body arrives as the SDK sent it, the answer as usual', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const message = await anthropicClient(h).messages.stream(anthropicBody as never).finalMessage();
    expect(message.content.some((block) => block.type === 'text')).toBe(true);
    expect(upstream.requests[0]!.body).toEqual({ ...anthropicBody, model: 'claude-sonnet-4-5', stream: true });
  });

  it('OpenAI Chat Completions: developer role, json_schema, prediction, service_tier, reasoning_effort, unknown fields; upstream streamed with usage', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind: 'openai', url: `${upstream.url}/v1`, model: 'gpt-4o' }]);
    const response = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody),
    });
    expect(response.status).toBe(200);
    expect(upstream.requests[0]!.body).toEqual({ ...chatBody, model: 'gpt-4o', stream: true, stream_options: { include_usage: true } });
  });

  it('a client stream_options is kept, with usage asked for', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind: 'openai', url: `${upstream.url}/v1`, model: 'gpt-4o' }]);
    const stream = await h.openai.chat.completions.create({ ...(chatBody as object), model: 'alias', stream: true, stream_options: { include_obfuscation: false } } as never);
    for await (const _chunk of stream as unknown as AsyncIterable<unknown>) {
      // drain
    }
    expect(upstream.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_obfuscation: false, include_usage: true }, future_field: { added: 'next year' } });
  });

  it('OpenAI Responses: include, prompt_cache_key, store and unknown fields as sent', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai-responses', 'text'));
    const h = await proxyFor([{ kind: 'openai', url: `${upstream.url}/v1`, model: 'gpt-5' }]);
    const body = {
      model: 'alias',
      input: [{ role: 'developer', content: 'Be terse.' }, { role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'conversation-7',
      store: false,
      text: { verbosity: 'low' },
      future_field: { added: 'next year' },
    };
    const response = await fetch(`${h.proxy.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    expect(upstream.requests[0]!.body).toEqual({ ...body, model: 'gpt-5', stream: true });
  });
});

describe('OpenAI-compatible vendors: who receives the Chat Completions body as sent', () => {
  /** A body with what only the client's own JSON carries: a content-part cache mark (OpenRouter), a message name, a developer turn mid-conversation. */
  const vendorBody = {
    ...chatBody,
    messages: [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', name: 'ana', content: [{ type: 'text', text: 'Weather in Oslo?', cache_control: { type: 'ephemeral' } }] },
    ],
    provider: { order: ['anthropic'] },
  };

  it.each([
    ['azure-openai', '/openai/v1'],
    ['openrouter', '/api/v1'],
  ] as const)('%s: the client body, model replaced, streamed with usage', async (kind, path) => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind, url: `${upstream.url}${path}`, model: 'gpt-4o' }]);
    const response = await fetch(`${h.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(vendorBody) });
    expect(response.status).toBe(200);
    expect(upstream.requests[0]!.body).toEqual({ ...vendorBody, model: 'gpt-4o', stream: true, stream_options: { include_usage: true } });
  });

  it.each(['groq', 'mistral', 'deepseek', 'openai-compatible'] as const)('%s: built from the canonical form (no message name, no content-part marks)', async (kind) => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind, url: `${upstream.url}/v1`, model: 'm' }]);
    const response = await fetch(`${h.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(vendorBody) });
    expect(response.status).toBe(200);
    const sent = upstream.requests[0]!.body as { messages: Record<string, unknown>[] };
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Weather in Oslo?' },
    ]);
  });

  it('openrouter: a request the build must repair (a mid-conversation system message) is built from the canonical form', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind: 'openrouter', url: `${upstream.url}/api/v1`, model: 'anthropic/claude-sonnet-4.5' }]);
    const body = { model: 'alias', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }, { role: 'developer', content: 'Answer in French.' }, { role: 'user', content: 'How are you?' }] };
    await fetch(`${h.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const sent = upstream.requests[0]!.body as { messages: { role: string }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });
});

describe('the proxy\'s own edits of a forwarded body', () => {
  it('max_tokens above the target model\'s output limit is lowered to it (a failover may reach a smaller model)', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-3-5-haiku-latest' }]);
    await fetch(`${h.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...anthropicBody, max_tokens: 32000 }),
    });
    expect(upstream.requests[0]!.body).toEqual({ ...anthropicBody, max_tokens: 8192, model: 'claude-3-5-haiku-latest', stream: true });
  });
});

describe('what is still built from the IR', () => {
  it('an Anthropic request the proxy must repair (tool history, no tools) is built from the IR with stand-in tools', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const { tools: _tools, tool_choice: _choice, ...withoutTools } = anthropicBody;
    await fetch(`${h.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(withoutTools),
    });
    const sent = upstream.requests[0]!.body as { tools?: { name: string }[]; messages: { content: unknown[] }[] };
    expect(sent.tools?.map((t) => t.name)).toEqual(['Read']);
    // Documents, the search result and the citations survive the IR build (their cache marks do not).
    expect(sent.messages[0]!.content).toEqual([...documents, { type: 'text', text: 'Read a.ts, please.' }]);
    expect(sent.messages[1]!.content).toContainEqual(citedText);
  });
});
