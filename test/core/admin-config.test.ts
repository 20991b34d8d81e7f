import { describe, expect, it } from 'vitest';
import { openaiTextFrames, startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { startProxy, type Harness } from '../support/proxy-harness.ts';
import { onCleanup, useCleanups } from '../support/cleanups.ts';

/** `GET/PUT /admin/config`: the local server's running configuration, replaced in memory only. */

useCleanups();

async function setUp(): Promise<{ h: Harness; document: Record<string, unknown> }> {
  const providers: FakeProvider[] = [];
  for (const text of ['primary', 'fallback']) {
    const p = await startFakeProvider(() => ({ kind: 'sse', frames: openaiTextFrames([text]) }));
    onCleanup(() => p.close());
    providers.push(p);
  }
  const document = {
    providers: {
      p1: { kind: 'openai', baseUrl: providers[0]!.baseUrl, apiKey: 'env:TEST_KEY' },
      p2: { kind: 'openai', baseUrl: providers[1]!.baseUrl, apiKey: 'env:TEST_KEY' },
    },
    aliases: { 'default-model': { targets: [{ provider: 'p1', model: 'm1' }, { provider: 'p2', model: 'm2' }] } },
  };
  const h = await startProxy(document);
  onCleanup(() => h.close());
  return { h, document };
}

/** Operator requests that change something are JSON (core/operator-auth.ts). */
const json = { 'content-type': 'application/json' };

const ask = async (h: Harness) => {
  const { data, response } = await h.openai.chat.completions.create({ model: 'default-model', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  return { text: data.choices[0]?.message.content, provider: response.headers.get('x-understudy-provider') };
};

describe('the running configuration through the admin API', () => {
  it('returns the configuration in force, defaults applied', async () => {
    const { h } = await setUp();
    const response = await fetch(`${h.proxy.url}/admin/config`);
    expect(response.status).toBe(200);
    const { config } = (await response.json()) as { config: { aliases: Record<string, unknown>; policy: { maxAttempts: number } } };
    expect(Object.keys(config.aliases)).toEqual(['default-model']);
    expect(config.policy.maxAttempts).toBe(3);
  });

  it('applies a valid replacement at once: chaos on the primary sends traffic to the fallback', async () => {
    const { h, document } = await setUp();
    expect(await ask(h)).toEqual({ text: 'primary', provider: 'p1' });
    const faulty = structuredClone(document) as { providers: Record<string, Record<string, unknown>> };
    faulty.providers.p1!.chaos = { errorRate: 1 };
    const put = await fetch(`${h.proxy.url}/admin/config`, { method: 'PUT', headers: json, body: JSON.stringify(faulty) });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ applied: true, warnings: [] });
    expect(await ask(h)).toEqual({ text: 'fallback', provider: 'p2' });
    expect(h.proxy.compiled.config.providers.p1?.chaos?.errorRate).toBe(1);
  });

  it('rejects an invalid document as a whole, in the OpenAI error format, and changes nothing', async () => {
    const { h, document } = await setUp();
    const broken = structuredClone(document) as { aliases: Record<string, { targets: { provider: string }[] }> };
    broken.aliases['default-model']!.targets[0]!.provider = 'nowhere';
    const put = await fetch(`${h.proxy.url}/admin/config`, { method: 'PUT', headers: json, body: JSON.stringify(broken) });
    expect(put.status).toBe(400);
    const body = (await put.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('aliases.default-model.targets[0].provider: unknown provider "nowhere"');
    expect(await ask(h)).toEqual({ text: 'primary', provider: 'p1' });

    const notJson = await fetch(`${h.proxy.url}/admin/config`, { method: 'PUT', headers: json, body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('answers other methods with 405 and an allow header, unknown admin paths with 404', async () => {
    const { h } = await setUp();
    const post = await fetch(`${h.proxy.url}/admin/config`, { method: 'POST', headers: json, body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, PUT');
    expect((await fetch(`${h.proxy.url}/admin/nothing`)).status).toBe(404);
    expect((await fetch(`${h.proxy.url}/admin`)).status).toBe(404);
  });
});
