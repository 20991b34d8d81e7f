import { describe, expect, it } from 'vitest';
import { openaiError, openaiTextFrames, type Behavior, type FakeProvider } from '../support/fake-provider.ts';
import { recordOf, startProxy, type Harness } from '../support/proxy-harness.ts';
import { fakeHttp, onCleanup, useCleanups } from '../support/cleanups.ts';

/**
 * Hedged first tokens (issue 17): with `hedgeAfterMs`, an attempt that has no first token by then is
 * raced against the next target; the first to produce content wins, the other is aborted and is
 * not the provider's failure. Through the official OpenAI SDK and the local proxy.
 */

useCleanups();

const fake = (script: (i: number) => Behavior): Promise<FakeProvider> => fakeHttp((_, i) => script(i));

async function chain(providers: FakeProvider[], aliasPolicy: Record<string, unknown>): Promise<Harness> {
  const names = providers.map((_, i) => `p${i + 1}`);
  const harness = await startProxy({
    providers: Object.fromEntries(providers.map((p, i) => [names[i], { kind: 'openai', baseUrl: p.baseUrl, apiKey: 'env:TEST_KEY' }])),
    aliases: { 'default-model': { targets: names.map((provider) => ({ provider, model: `model-${provider}` })), policy: aliasPolicy } },
    policy: { headerTimeoutMs: 5_000, firstTokenTimeoutMs: 5_000, idleTimeoutMs: 5_000, backoffBaseMs: 10, backoffMaxMs: 20 },
  });
  onCleanup(() => harness.close());
  return harness;
}

/** Headers at once, the first token only after `ms`: a slow but healthy primary. */
const slow = (text: string, ms: number): Behavior => ({ kind: 'sse', frames: openaiTextFrames([text]), firstDelayMs: ms });
const fast = (text: string): Behavior => ({ kind: 'sse', frames: openaiTextFrames([text]) });
const messages = [{ role: 'user' as const, content: 'Say hello' }];

async function streamText(h: Harness) {
  const { data, response } = await h.openai.chat.completions.create({ model: 'default-model', messages, stream: true }).withResponse();
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
  return { text, headers: response.headers };
}

describe('hedged first tokens', () => {
  it('a slow primary and a fast fallback: the fallback answers, the slow attempt is aborted and not counted as a failure', async () => {
    const p1 = await fake(() => slow('primary', 3_000));
    const h = await chain([p1, await fake(() => fast('fallback'))], { hedgeAfterMs: 100, hedgeMaxShare: 1 });
    const { text, headers } = await streamText(h);
    expect(text).toBe('fallback');
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=hedge-lost,p2/model-p2=200');
    expect(await recordOf(h, 0)).toMatchObject({ hedged: true, hedgeWon: true, servedBy: { provider: 'p2' } });
    const [p1Breaker] = (await h.proxy.breakers.list()).filter((b) => b.target === 'p1/model-p1');
    expect(p1Breaker).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('non-streaming clients are hedged on the first token too', async () => {
    const h = await chain([await fake(() => slow('primary', 3_000)), await fake(() => fast('fallback'))], { hedgeAfterMs: 100, hedgeMaxShare: 1 });
    const { data, response } = await h.openai.chat.completions.create({ model: 'default-model', messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe('fallback');
    expect(response.headers.get('x-understudy-attempts')).toBe('p1/model-p1=hedge-lost,p2/model-p2=200');
  });

  it('a primary that answers before hedgeAfterMs is never hedged', async () => {
    const p2 = await fake(() => fast('fallback'));
    const h = await chain([await fake(() => fast('primary')), p2], { hedgeAfterMs: 2_000, hedgeMaxShare: 1 });
    expect((await streamText(h)).text).toBe('primary');
    expect(p2.requests).toHaveLength(0);
    expect(await recordOf(h, 0)).not.toHaveProperty('hedged');
  });

  it('the hedge fails on its own: the slow primary still serves, and only the hedge counts a failure', async () => {
    const h = await chain([await fake(() => slow('primary', 400)), await fake(() => openaiError(503, 'down', 'server_error'))], { hedgeAfterMs: 100, hedgeMaxShare: 1 });
    const { text, headers } = await streamText(h);
    expect(text).toBe('primary');
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=200,p2/model-p2=503');
    expect(await recordOf(h, 0)).toMatchObject({ hedged: true, hedgeWon: false });
    const breakers = await h.proxy.breakers.list();
    expect(breakers.find((b) => b.target === 'p2/model-p2')).toMatchObject({ consecutiveFailures: 1 });
    expect(breakers.find((b) => b.target === 'p1/model-p1')).toMatchObject({ consecutiveFailures: 0 });
  });

  it('the cost guard: with hedgeMaxShare 0 nothing is hedged, the slow primary serves', async () => {
    const p2 = await fake(() => fast('fallback'));
    const h = await chain([await fake(() => slow('primary', 300)), p2], { hedgeAfterMs: 50, hedgeMaxShare: 0 });
    expect((await streamText(h)).text).toBe('primary');
    expect(p2.requests).toHaveLength(0);
  });

  it('both fail: the request goes on to the next target in the chain', async () => {
    const h = await chain(
      [await fake(() => ({ ...slow('x', 300), frames: [], then: 'cut' })), await fake(() => openaiError(503, 'down', 'server_error')), await fake(() => fast('third'))],
      { hedgeAfterMs: 50, hedgeMaxShare: 1 },
    );
    const { text, headers } = await streamText(h);
    expect(text).toBe('third');
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=stream-broken,p2/model-p2=503,p3/model-p3=200');
  });
});
