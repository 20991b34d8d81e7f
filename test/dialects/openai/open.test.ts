import { httpUpstream } from '../../../functions/adapters/http-upstream.ts';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiProvider } from '../../../functions/dialects/openai/index.ts';
import type { ProviderIO, ProviderSettings, TargetCall } from '../../../functions/ir/dialect.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';
import type { ChatRequest } from '../../../functions/ir/request.ts';
import { type Behavior, type FakeProvider, openaiError, startFakeProvider } from '../../support/fake-provider.ts';

let fake: FakeProvider;
let behavior: Behavior;

beforeAll(async () => {
  fake = await startFakeProvider(() => behavior);
});
afterAll(() => fake.close());

function target(provider: Partial<ProviderSettings> & { kind: string }, model = 'gpt-4.1', forwardHeaders: Record<string, string> = {}): TargetCall {
  return { provider: { name: provider.kind, baseUrl: fake.baseUrl, ...provider }, model, forwardHeaders };
}

function io(): ProviderIO {
  return { upstream: httpUpstream, signal: new AbortController().signal };
}

function frames(name: string): string[] {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => `${frame}\n\n`);
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const chat: ChatRequest = {
  model: 'fast',
  system: [
    { type: 'text', text: 'Be brief.' },
    { type: 'text', text: 'Use metric units.' },
  ],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
    { role: 'assistant', content: [{ type: 'reasoning', text: 'hidden' }, { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '' }] },
    { role: 'tool', toolCallId: 'call_1', toolName: 'get_weather', content: [{ type: 'text', text: '-3C' }] },
    { role: 'user', content: [{ type: 'text', text: 'And this?' }, { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'AAAA' } }] },
  ],
  stream: false,
  maxTokens: 100,
  temperature: 0.5,
  stop: ['END'],
  seed: 3,
  tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
  toolChoice: { type: 'required' },
  parallelToolCalls: false,
  responseFormat: { type: 'json' },
  reasoning: { effort: 'high' },
  passthrough: { dialect: 'openai', fields: { logprobs: true, user: 'u-1' } },
};

const expectedMessages = [
  { role: 'system', content: 'Be brief.\n\nUse metric units.' },
  { role: 'user', content: 'Weather in Oslo?' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: '-3C' },
  { role: 'user', content: [{ type: 'text', text: 'And this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
];

describe('openaiProvider.open against a fake provider', () => {
  it('openai: exact URL, headers and body; streams IR events', async () => {
    behavior = { kind: 'sse', frames: frames('parallel-tools.sse') };
    const opened = await openaiProvider.open(chat, target({ kind: 'openai', apiKey: 'sk-test', headers: { 'OpenAI-Organization': 'org-1' } }, 'gpt-4.1', { 'openai-beta': 'x' }), io());
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const events = await collect(opened.events);
    expect(events.map((e) => e.type)).toEqual([
      'start',
      'tool-call-start',
      'tool-call-delta',
      'tool-call-delta',
      'tool-call-start',
      'tool-call-delta',
      'tool-call-end',
      'tool-call-end',
      'finish',
      'usage',
    ]);
    const seen = fake.requests.at(-1)!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe('Bearer sk-test');
    expect(seen.headers['openai-organization']).toBe('org-1');
    expect(seen.headers['openai-beta']).toBe('x');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.body).toEqual({
      logprobs: true,
      user: 'u-1',
      model: 'gpt-4.1',
      messages: expectedMessages,
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 100,
      temperature: 0.5,
      stop: ['END'],
      seed: 3,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      parallel_tool_calls: false,
      tool_choice: 'required',
      response_format: { type: 'json_object' },
      reasoning_effort: 'high',
    });
  });

  it('groq preset: max_tokens, no reasoning_effort, passthrough only from an OpenAI client', async () => {
    behavior = { kind: 'sse', frames: frames('groq-usage.sse') };
    const fromAnthropic: ChatRequest = { ...chat, passthrough: { dialect: 'anthropic', fields: { metadata: { user_id: 'x' } } } };
    const opened = await openaiProvider.open(fromAnthropic, target({ kind: 'groq', apiKey: 'gsk-test' }, 'llama-3.3-70b-versatile'), io());
    expect(opened.ok).toBe(true);
    if (opened.ok) expect((await collect(opened.events)).at(-1)).toEqual({ type: 'finish', reason: 'length', providerReason: 'length' });
    const seen = fake.requests.at(-1)!;
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe('Bearer gsk-test');
    const body = seen.body as Record<string, unknown>;
    expect(body.max_tokens).toBe(100);
    expect(body.max_completion_tokens).toBeUndefined();
    expect(body.reasoning_effort).toBeUndefined();
    expect(body.metadata).toBeUndefined();
    expect(body.model).toBe('llama-3.3-70b-versatile');
  });

  it('mistral preset: random_seed and tool_choice any', async () => {
    behavior = { kind: 'sse', frames: frames('mistral-whole-calls.sse') };
    const opened = await openaiProvider.open(chat, target({ kind: 'mistral', apiKey: 'm' }, 'mistral-large-latest'), io());
    expect(opened.ok).toBe(true);
    if (opened.ok) await collect(opened.events);
    const body = fake.requests.at(-1)!.body as Record<string, unknown>;
    expect(body.random_seed).toBe(3);
    expect(body.seed).toBeUndefined();
    expect(body.tool_choice).toBe('any');
  });

  it('ollama: no Authorization header without a key', async () => {
    behavior = { kind: 'sse', frames: frames('text.sse') };
    const opened = await openaiProvider.open(chat, target({ kind: 'ollama' }, 'llama3.2'), io());
    expect(opened.ok).toBe(true);
    if (opened.ok) await collect(opened.events);
    const seen = fake.requests.at(-1)!;
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBeUndefined();
  });

  it('azure v1 GA form: api-key header, model in the body', async () => {
    behavior = { kind: 'sse', frames: frames('azure-empty-first.sse') };
    const opened = await openaiProvider.open(chat, target({ kind: 'azure-openai', apiKey: 'az-key', baseUrl: `${fake.url}/openai/v1` }, 'my-gpt4o'), io());
    expect(opened.ok).toBe(true);
    if (opened.ok) expect((await collect(opened.events))[0]).toEqual({ type: 'start', id: 'chatcmpl-az1', model: 'gpt-4o-2024-11-20' });
    const seen = fake.requests.at(-1)!;
    expect(seen.url).toBe('/openai/v1/chat/completions');
    expect(seen.headers['api-key']).toBe('az-key');
    expect(seen.headers.authorization).toBeUndefined();
    expect((seen.body as Record<string, unknown>).model).toBe('my-gpt4o');
    expect((seen.body as Record<string, unknown>).max_completion_tokens).toBe(100);
  });

  it('azure deployment form: deployment in the path and api-version in the query', async () => {
    behavior = { kind: 'sse', frames: frames('text.sse') };
    const opened = await openaiProvider.open(chat, target({ kind: 'azure-openai', apiKey: 'az-key', baseUrl: fake.url, apiVersion: '2024-10-21' }, 'my-gpt4o'), io());
    expect(opened.ok).toBe(true);
    if (opened.ok) await collect(opened.events);
    const seen = fake.requests.at(-1)!;
    expect(seen.url).toBe('/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21');
    expect(seen.headers['api-key']).toBe('az-key');
  });

  it('429 insufficient_quota vs a rate limit with retry-after', async () => {
    behavior = openaiError(429, 'You exceeded your current quota', 'insufficient_quota', 'insufficient_quota');
    expect(await openaiProvider.open(chat, target({ kind: 'openai', apiKey: 'k' }), io())).toEqual({
      ok: false,
      failure: { kind: 'quota', status: 429, message: 'You exceeded your current quota', providerCode: 'insufficient_quota' },
    });
    behavior = { ...openaiError(429, 'Rate limit reached', 'requests', 'rate_limit_exceeded'), headers: { 'retry-after': '2' } } as Behavior;
    expect(await openaiProvider.open(chat, target({ kind: 'openai', apiKey: 'k' }), io())).toEqual({
      ok: false,
      failure: { kind: 'rate-limit', status: 429, message: 'Rate limit reached', providerCode: 'rate_limit_exceeded', retryAfterMs: 2000 },
    });
  });

  it('400 context_length_exceeded and 500', async () => {
    behavior = openaiError(400, "This model's maximum context length is 8192 tokens.", 'invalid_request_error', 'context_length_exceeded');
    const long = await openaiProvider.open(chat, target({ kind: 'openai', apiKey: 'k' }), io());
    expect(long).toEqual({ ok: false, failure: { kind: 'context-length', status: 400, message: "This model's maximum context length is 8192 tokens.", providerCode: 'context_length_exceeded' } });
    behavior = openaiError(500, 'The server had an error', 'server_error');
    const server = await openaiProvider.open(chat, target({ kind: 'openai', apiKey: 'k' }), io());
    expect(server).toEqual({ ok: false, failure: { kind: 'server', status: 500, message: 'The server had an error', providerCode: 'server_error' } });
  });

  it('a refused connection is a connect failure value, not a throw', async () => {
    const closed = await startFakeProvider(() => ({ kind: 'reset' }));
    const opened = await openaiProvider.open(chat, target({ kind: 'openai', apiKey: 'k', baseUrl: closed.baseUrl }), io());
    await closed.close();
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.failure.kind).toBe('connect');
  });

  it('a cut stream makes the events iterable throw', async () => {
    behavior = { kind: 'sse', frames: frames('text.sse').slice(0, 2), then: 'cut' };
    const opened = await openaiProvider.open(chat, target({ kind: 'openai', apiKey: 'k' }), io());
    expect(opened.ok).toBe(true);
    if (opened.ok) await expect(collect(opened.events)).rejects.toThrow();
  });

  it('a tool result with an image is unsupported, before any call', async () => {
    const before = fake.requests.length;
    const withImage: ChatRequest = {
      ...chat,
      messages: [{ role: 'tool', toolCallId: 'c', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }],
    };
    const opened = await openaiProvider.open(withImage, target({ kind: 'openai', apiKey: 'k' }), io());
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.failure.kind).toBe('unsupported');
    expect(fake.requests.length).toBe(before);
  });
});

describe('openaiProvider.probe', () => {
  it('GET /models with the key', async () => {
    behavior = { kind: 'json', status: 200, body: { object: 'list', data: [] } };
    const result = await openaiProvider.probe(target({ kind: 'openai', apiKey: 'sk-probe' }), io());
    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const seen = fake.requests.at(-1)!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/v1/models');
    expect(seen.headers.authorization).toBe('Bearer sk-probe');
  });

  it('a 401 is an auth failure', async () => {
    behavior = openaiError(401, 'Incorrect API key provided', 'invalid_request_error', 'invalid_api_key');
    const result = await openaiProvider.probe(target({ kind: 'openai', apiKey: 'bad' }), io());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.failure.kind).toBe('auth');
  });

  it('azure deployment form: a one-token completion on the deployment', async () => {
    behavior = { kind: 'json', status: 200, body: { id: 'x', choices: [] } };
    const result = await openaiProvider.probe(target({ kind: 'azure-openai', apiKey: 'az', baseUrl: fake.url, apiVersion: '2024-10-21' }, 'dep1'), io());
    expect(result.ok).toBe(true);
    const seen = fake.requests.at(-1)!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/openai/deployments/dep1/chat/completions?api-version=2024-10-21');
    expect(seen.headers['api-key']).toBe('az');
    expect(seen.body).toEqual({ messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 });
  });
});
