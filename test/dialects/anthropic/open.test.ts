import { httpUpstream } from '../../../functions/adapters/http-upstream.ts';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicProvider } from '../../../functions/dialects/anthropic/index.ts';
import type { ProviderIO, TargetCall } from '../../../functions/ir/dialect.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';
import type { ChatRequest } from '../../../functions/ir/request.ts';
import { type Behavior, type FakeProvider, startFakeProvider } from '../../support/fake-provider.ts';

const KEY = 'sk-ant-test-key';
let fake: FakeProvider;
let behavior: Behavior;

beforeAll(async () => {
  fake = await startFakeProvider(() => behavior);
});
afterAll(() => fake.close());

function target(extra: Partial<TargetCall['provider']> = {}): TargetCall {
  return {
    provider: { name: 'anthropic', kind: 'anthropic', baseUrl: `${fake.url}/`, apiKey: KEY, headers: { 'x-extra': 'yes' }, ...extra },
    model: 'claude-sonnet-4-5-20250929',
    forwardHeaders: { 'anthropic-beta': 'fine-grained-tool-streaming-2025-05-14' },
  };
}

function io(): ProviderIO {
  return { upstream: httpUpstream, signal: new AbortController().signal };
}

const chat: ChatRequest = { model: 'alias', system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }], stream: false, maxTokens: 200 };

function sseFrames(name: string): string[] {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => `${frame}\n\n`);
}

function anthropicError(status: number, type: string, message: string, headers?: Record<string, string>): Behavior {
  return { kind: 'json', status, body: { type: 'error', error: { type, message }, request_id: 'req_011' }, ...(headers ? { headers } : {}) };
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('anthropicProvider.open against a fake Anthropic', () => {
  it('posts a streamed Messages request with the auth, version and forwarded headers', async () => {
    behavior = { kind: 'sse', frames: sseFrames('tool-use.sse') };
    const opened = await anthropicProvider.open(chat, target(), io());
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const events = await collect(opened.events);
    expect(events.map((e) => e.type)).toEqual(['start', 'usage', 'text-delta', 'tool-call-start', 'tool-call-delta', 'tool-call-delta', 'tool-call-end', 'usage', 'finish']);

    const seen = fake.requests.at(-1)!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v1/messages');
    expect(seen.headers['x-api-key']).toBe(KEY);
    expect(seen.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen.headers['anthropic-beta']).toBe('fine-grained-tool-streaming-2025-05-14');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-extra']).toBe('yes');
    expect(seen.body).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 200,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }],
      system: [{ type: 'text', text: 'Be brief.' }],
      stream: true,
    });
  });

  it('sends the configured anthropic-version', async () => {
    behavior = { kind: 'sse', frames: sseFrames('text.sse') };
    const opened = await anthropicProvider.open(chat, target({ apiVersion: '2024-01-01' }), io());
    if (opened.ok) await collect(opened.events);
    expect(fake.requests.at(-1)!.headers['anthropic-version']).toBe('2024-01-01');
  });

  it('tolerates a base URL configured with /v1', async () => {
    behavior = { kind: 'sse', frames: sseFrames('text.sse') };
    const opened = await anthropicProvider.open(chat, target({ baseUrl: `${fake.url}/v1` }), io());
    if (opened.ok) await collect(opened.events);
    expect(fake.requests.at(-1)!.url).toBe('/v1/messages');
  });

  it('JSON mode round trip: forced tool upstream, text downstream', async () => {
    behavior = { kind: 'sse', frames: sseFrames('json-mode.sse') };
    const request: ChatRequest = { ...chat, responseFormat: { type: 'json-schema', name: 'r', schema: { type: 'object', properties: { answer: { type: 'number' } } } } };
    const opened = await anthropicProvider.open(request, target(), io());
    if (!opened.ok) throw new Error(opened.failure.message);
    const events = await collect(opened.events);
    expect(fake.requests.at(-1)!.body).toMatchObject({ tool_choice: { type: 'tool', name: 'json_answer' } });
    expect(events.filter((e) => e.type === 'text-delta').map((e) => (e as { text: string }).text).join('')).toBe('{"answer": 42}');
    expect(events.some((e) => e.type.startsWith('tool-call'))).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'stop' });
  });

  it('a mid-stream overloaded error arrives as an error event', async () => {
    behavior = { kind: 'sse', frames: sseFrames('overloaded.sse') };
    const opened = await anthropicProvider.open(chat, target(), io());
    if (!opened.ok) throw new Error(opened.failure.message);
    expect((await collect(opened.events)).at(-1)).toEqual({ type: 'error', failure: { kind: 'server', message: 'Overloaded', providerCode: 'overloaded_error' } });
  });

  it('a cut connection makes the events throw', async () => {
    behavior = { kind: 'sse', frames: sseFrames('text.sse').slice(0, 3), then: 'cut' };
    const opened = await anthropicProvider.open(chat, target(), io());
    if (!opened.ok) throw new Error(opened.failure.message);
    await expect(collect(opened.events)).rejects.toThrow();
  });

  it('an unsupported request fails before any call', async () => {
    const before = fake.requests.length;
    const opened = await anthropicProvider.open({ ...chat, responseFormat: { type: 'json-schema', name: 'x', schema: { type: 'array' } } }, target(), io());
    expect(opened).toMatchObject({ ok: false, failure: { kind: 'unsupported' } });
    expect(fake.requests.length).toBe(before);
  });

  it.each([
    ['529 overloaded', anthropicError(529, 'overloaded_error', 'Overloaded'), { kind: 'server', status: 529, providerCode: 'overloaded_error' }],
    ['429 with retry-after', anthropicError(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': '7' }), { kind: 'rate-limit', status: 429, retryAfterMs: 7000 }],
    ['401', anthropicError(401, 'authentication_error', 'invalid x-api-key'), { kind: 'auth', status: 401, message: 'invalid x-api-key' }],
    ['403', anthropicError(403, 'permission_error', 'Your API key does not have permission'), { kind: 'auth', status: 403 }],
    ['prompt too long', anthropicError(400, 'invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum'), { kind: 'context-length', status: 400 }],
    ['credit balance', anthropicError(400, 'invalid_request_error', 'Your credit balance is too low to access the Anthropic API.'), { kind: 'quota', status: 400 }],
    ['billing_error', anthropicError(402, 'billing_error', 'Payment required'), { kind: 'quota', status: 402 }],
    ['other 400', anthropicError(400, 'invalid_request_error', 'messages.0.content: Field required'), { kind: 'invalid-request', status: 400, providerCode: 'invalid_request_error' }],
    ['404 model', anthropicError(404, 'not_found_error', 'model: claude-9'), { kind: 'invalid-request', status: 404 }],
    ['500 api_error', anthropicError(500, 'api_error', 'Internal server error'), { kind: 'server', status: 500 }],
    ['HTML 502', { kind: 'json', status: 502, body: '<html>bad gateway</html>' } as Behavior, { kind: 'server', status: 502 }],
  ])('classifies %s', async (_name, answer, expected) => {
    behavior = answer;
    const opened = await anthropicProvider.open(chat, target(), io());
    expect(opened).toMatchObject({ ok: false, failure: expected });
  });

  it('a refused connection is a connect failure', async () => {
    const opened = await anthropicProvider.open(chat, target({ baseUrl: 'http://127.0.0.1:1' }), io());
    expect(opened).toMatchObject({ ok: false, failure: { kind: 'connect' } });
  });
});

describe('anthropicProvider.probe', () => {
  it('lists models with the auth headers', async () => {
    behavior = { kind: 'json', status: 200, body: { data: [{ id: 'claude-sonnet-4-5', type: 'model' }], has_more: true } };
    const result = await anthropicProvider.probe(target(), io());
    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const seen = fake.requests.at(-1)!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/v1/models?limit=1');
    expect(seen.headers['x-api-key']).toBe(KEY);
    expect(seen.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('reports a bad key as an auth failure', async () => {
    behavior = anthropicError(401, 'authentication_error', 'invalid x-api-key');
    expect(await anthropicProvider.probe(target(), io())).toMatchObject({ ok: false, failure: { kind: 'auth', status: 401 } });
  });
});
