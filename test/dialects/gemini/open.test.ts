import { httpUpstream } from '../../../functions/adapters/http-upstream.ts';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geminiProvider } from '../../../functions/dialects/gemini/index.ts';
import type { ProviderIO, TargetCall } from '../../../functions/ir/dialect.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';
import type { ChatRequest } from '../../../functions/ir/request.ts';
import { type Behavior, type FakeProvider, startFakeProvider } from '../../support/fake-provider.ts';

const KEY = 'gemini-test-key';
let fake: FakeProvider;
let behavior: Behavior;

beforeAll(async () => {
  fake = await startFakeProvider(() => behavior);
});
afterAll(() => fake.close());

function target(baseUrl = fake.url): TargetCall {
  return { provider: { name: 'gemini', kind: 'gemini', baseUrl, apiKey: KEY, headers: { 'x-extra': 'yes' } }, model: 'gemini-2.5-flash', forwardHeaders: {} };
}

function io(): ProviderIO {
  return { upstream: httpUpstream, signal: new AbortController().signal };
}

const chat: ChatRequest = { model: 'alias', system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }], stream: true };

function sseFrames(name: string): string[] {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => `${frame}\n\n`);
}

describe('geminiProvider.open against a fake Gemini', () => {
  it('posts to streamGenerateContent with the key header and streams IR events', async () => {
    behavior = { kind: 'sse', frames: sseFrames('function-call.sse') };
    const opened = await geminiProvider.open(chat, target(), io());
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const events: StreamEvent[] = [];
    for await (const event of opened.events) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'tool-call-start', 'tool-call-delta', 'tool-call-end', 'usage', 'finish']);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', providerReason: 'STOP' });

    const seen = fake.requests.at(-1)!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(seen.headers['x-goog-api-key']).toBe(KEY);
    expect(seen.headers['x-extra']).toBe('yes');
    expect(seen.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Weather in Oslo?' }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] } });
  });

  it('classifies 429 RESOURCE_EXHAUSTED as a rate limit with the RetryInfo delay', async () => {
    behavior = {
      kind: 'json',
      status: 429,
      body: {
        error: {
          code: 429,
          message: 'You exceeded your current quota, please check your plan and billing details.',
          status: 'RESOURCE_EXHAUSTED',
          details: [
            { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
            { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' },
          ],
        },
      },
    };
    expect(await geminiProvider.open(chat, target(), io())).toEqual({
      ok: false,
      failure: { kind: 'rate-limit', status: 429, message: 'You exceeded your current quota, please check your plan and billing details.', providerCode: 'RESOURCE_EXHAUSTED', retryAfterMs: 34400 },
    });
  });

  it('classifies 400 with API_KEY_INVALID as auth', async () => {
    behavior = {
      kind: 'json',
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }],
        },
      },
    };
    expect(await geminiProvider.open(chat, target(), io())).toEqual({
      ok: false,
      failure: { kind: 'auth', status: 400, message: 'API key not valid. Please pass a valid API key.', providerCode: 'API_KEY_INVALID' },
    });
  });

  it('classifies a non-JSON error page by status', async () => {
    behavior = { kind: 'json', status: 502, body: '<html>Bad Gateway</html>' };
    expect(await geminiProvider.open(chat, target(), io())).toMatchObject({ ok: false, failure: { kind: 'server', status: 502 } });
  });

  it('reports a refused connection as connect', async () => {
    const closed = await startFakeProvider(() => behavior);
    await closed.close();
    expect(await geminiProvider.open(chat, target(closed.url), io())).toMatchObject({ ok: false, failure: { kind: 'connect' } });
  });

  it('lets a cut stream throw, without a finish', async () => {
    behavior = { kind: 'sse', frames: sseFrames('text.sse').slice(0, 1), then: 'cut' };
    const opened = await geminiProvider.open(chat, target(), io());
    if (!opened.ok) throw new Error('expected ok');
    const events: StreamEvent[] = [];
    await expect(
      (async () => {
        for await (const event of opened.events) events.push(event);
      })(),
    ).rejects.toThrow();
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });

  it('refuses an image URL before any call', async () => {
    const before = fake.requests.length;
    const request: ChatRequest = { ...chat, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] }] };
    expect(await geminiProvider.open(request, target(), io())).toEqual({ ok: false, failure: { kind: 'unsupported', message: 'Gemini accepts images only as inline bytes, not as URLs' } });
    expect(fake.requests.length).toBe(before);
  });
});

describe('geminiProvider.probe', () => {
  it('lists models with the key header', async () => {
    behavior = { kind: 'json', status: 200, body: { models: [{ name: 'models/gemini-2.5-flash' }], nextPageToken: 'x' } };
    const result = await geminiProvider.probe(target(), io());
    expect(result.ok).toBe(true);
    const seen = fake.requests.at(-1)!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/v1beta/models?pageSize=1');
    expect(seen.headers['x-goog-api-key']).toBe(KEY);
  });

  it('reports an invalid key as auth', async () => {
    behavior = { kind: 'json', status: 400, body: { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } } };
    expect(await geminiProvider.probe(target(), io())).toMatchObject({ ok: false, failure: { kind: 'auth' } });
  });

  it('reports a refused connection as connect', async () => {
    const closed = await startFakeProvider(() => behavior);
    await closed.close();
    expect(await geminiProvider.probe(target(closed.url), io())).toMatchObject({ ok: false, failure: { kind: 'connect' } });
  });
});
