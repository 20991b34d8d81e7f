import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { Behavior } from '../support/fake-provider.ts';
import type { Harness } from '../support/proxy-harness.ts';
import { anthropicClient, fakeHttp, fixture, proxyFor, useCleanups } from './upstreams.ts';

/**
 * Answer fidelity (issue 14 §2): when the target speaks the client's API, the upstream's stream
 * reaches the client byte for byte (the pass-through lane), and the official SDKs read it exactly
 * as they read the provider itself. A failover may change lanes within one request.
 */

useCleanups();

type Api = 'messages' | 'chat' | 'responses';
const route: Record<Api, string> = { messages: '/v1/messages', chat: '/v1/chat/completions', responses: '/v1/responses' };
const dialectOf = { messages: 'anthropic', chat: 'openai', responses: 'openai-responses' } as const;

function body(api: Api): Record<string, unknown> {
  if (api === 'messages') return { model: 'alias', max_tokens: 512, stream: true, messages: [{ role: 'user', content: 'Capital of France?' }] };
  if (api === 'chat') return { model: 'alias', stream: true, messages: [{ role: 'user', content: 'Capital of France?' }] };
  return { model: 'alias', stream: true, input: 'Capital of France?' };
}

async function rawStream(h: Harness, api: Api): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${h.proxy.url}${route[api]}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body(api)) });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** The recorded stream written in small pieces of varying size, cut inside events and lines. */
function chunked(text: string): Behavior {
  const frames: string[] = [];
  let at = 0;
  for (let size = 7; at < text.length; size = (size * 5) % 61 + 3) {
    frames.push(text.slice(at, at + size));
    at += size;
  }
  return { kind: 'sse', frames };
}

const cases: { api: Api; kind: string; fixtures: string[] }[] = [
  { api: 'messages', kind: 'anthropic', fixtures: ['text', 'thinking', 'tool-use', 'parallel-tools', 'cached-stop-sequence', 'json-mode', 'no-arg-tool', 'refusal'] },
  { api: 'chat', kind: 'openai', fixtures: ['text', 'reasoning', 'parallel-tools', 'no-arg-tool', 'index-one', 'groq-usage', 'openrouter-comments', 'mistral-whole-calls', 'content-filter'] },
  { api: 'responses', kind: 'openai', fixtures: ['text', 'reasoning-function-call', 'custom-tool-call', 'incomplete'] },
];

const targetUrl = (kind: string, url: string) => (kind === 'anthropic' ? url : `${url}/v1`);

describe('the pass-through lane: the upstream stream reaches the client byte for byte', () => {
  for (const { api, kind, fixtures } of cases) {
    for (const name of fixtures) {
      it(`${api} ← ${kind}: ${name}`, async () => {
        const recorded = fixture(dialectOf[api], name);
        const up = await fakeHttp(() => chunked(recorded));
        const h = await proxyFor([{ kind: kind as 'openai', url: targetUrl(kind, up.url), model: 'm' }]);
        const { status, text, headers } = await rawStream(h, api);
        expect(status).toBe(200);
        expect(text).toBe(recorded);
        expect(headers.get('x-understudy-provider')).toBe('p1');
        expect(headers.get('x-understudy-attempts')).toBe('p1/m=200');
      });
    }
  }

  it('a keep-alive comment and CRLF line ends pass as they came', async () => {
    const recorded = `: OPENROUTER PROCESSING\r\n\r\n${fixture('openai', 'text').replace(/\n/g, '\r\n')}`;
    const up = await fakeHttp(() => chunked(recorded));
    const h = await proxyFor([{ kind: 'openai', url: `${up.url}/v1`, model: 'm' }]);
    expect((await rawStream(h, 'chat')).text).toBe(recorded);
  });
});

describe('failover across lanes', () => {
  it('Messages client: anthropic 503 → openai (translated) serves', async () => {
    const p1 = await fakeHttp(() => ({ kind: 'json', status: 503, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }));
    const p2 = await fakeHttp(() => ({ kind: 'sse', frames: [fixture('openai', 'text')] }));
    const h = await proxyFor([
      { kind: 'anthropic', url: p1.url, model: 'claude' },
      { kind: 'openai', url: `${p2.url}/v1`, model: 'gpt' },
    ]);
    const stream = anthropicClient(h).messages.stream({ model: 'alias', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    const message = await stream.finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: 'Paris is the capital.' }]);
    expect((await stream.withResponse()).response.headers.get('x-understudy-attempts')).toBe('p1/claude=503,p1/claude=503,p2/gpt=200');
  });

  it('Messages client: openai (translated) 503 → anthropic passes its stream through unchanged', async () => {
    const recorded = fixture('anthropic', 'text');
    const p1 = await fakeHttp(() => ({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } }));
    const p2 = await fakeHttp(() => chunked(recorded));
    const h = await proxyFor([
      { kind: 'openai', url: `${p1.url}/v1`, model: 'gpt' },
      { kind: 'anthropic', url: p2.url, model: 'claude' },
    ]);
    const { text, headers } = await rawStream(h, 'messages');
    expect(text).toBe(recorded);
    // A 503 is retried once on its target, then fails over (core/retry-rules.ts).
    expect(headers.get('x-understudy-attempts')).toBe('p1/gpt=503,p1/gpt=503,p2/claude=200');
  });

  it('an in-stream error before any content fails over; the client sees only the next target\'s stream', async () => {
    const recorded = fixture('anthropic', 'text');
    // The recorded overloaded stream, cut before its first text: message_start, then the error.
    const overloaded = fixture('anthropic', 'overloaded').split('\n\n');
    const p1 = await fakeHttp(() => ({ kind: 'sse', frames: [`${overloaded[0]}\n\n${overloaded[3]}\n\n`] }));
    const p2 = await fakeHttp(() => ({ kind: 'sse', frames: [recorded] }));
    const h = await proxyFor([
      { kind: 'anthropic', url: p1.url, model: 'a' },
      { kind: 'anthropic', url: p2.url, model: 'b' },
    ]);
    const { text } = await rawStream(h, 'messages');
    expect(text).toBe(recorded);
  });
});

describe('the official SDKs read a passed-through stream as they read the provider itself', () => {
  it('Anthropic SDK: finalMessage is the same through the proxy as direct', async () => {
    for (const name of ['text', 'thinking', 'tool-use', 'cached-stop-sequence']) {
      const up = await fakeHttp(() => ({ kind: 'sse', frames: [fixture('anthropic', name)] }));
      const h = await proxyFor([{ kind: 'anthropic', url: up.url, model: 'claude' }]);
      const params = { model: 'alias', max_tokens: 512, messages: [{ role: 'user' as const, content: 'Hi' }] };
      const via = await anthropicClient(h).messages.stream(params).finalMessage();
      const direct = await new Anthropic({ baseURL: up.url, apiKey: 'k', maxRetries: 0 }).messages.stream({ ...params, model: 'claude' }).finalMessage();
      expect(via).toEqual(direct);
    }
  });

  it('OpenAI SDK: Chat chunks and the Responses final response are the same through the proxy as direct', async () => {
    const chatUp = await fakeHttp(() => ({ kind: 'sse', frames: [fixture('openai', 'parallel-tools')] }));
    const chat = await proxyFor([{ kind: 'openai', url: `${chatUp.url}/v1`, model: 'gpt' }]);
    const read = async (client: OpenAI, model: string) => {
      const chunks: unknown[] = [];
      for await (const chunk of await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'Hi' }] })) chunks.push(chunk);
      return chunks;
    };
    expect(await read(chat.openai, 'alias')).toEqual(await read(new OpenAI({ baseURL: `${chatUp.url}/v1`, apiKey: 'k', maxRetries: 0 }), 'gpt'));

    const respUp = await fakeHttp(() => ({ kind: 'sse', frames: [fixture('openai-responses', 'reasoning-function-call')] }));
    const resp = await proxyFor([{ kind: 'openai', url: `${respUp.url}/v1`, model: 'gpt' }]);
    const final = async (client: OpenAI, model: string) => client.responses.stream({ model, input: 'Hi' }).finalResponse();
    expect(await final(resp.openai, 'alias')).toEqual(await final(new OpenAI({ baseURL: `${respUp.url}/v1`, apiKey: 'k', maxRetries: 0 }), 'gpt'));
  });
});
