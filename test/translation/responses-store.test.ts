import { afterEach, describe, expect, it } from 'vitest';
import { startProxy, type Harness } from '../support/proxy-harness.ts';
import { fakeHttp, sseFixture, useCleanups } from './upstreams.ts';

/**
 * The proxy's opt-in response store (`responses.store`): a conversation continued with
 * `previous_response_id` on any target, even after a failover to another provider kind.
 */

useCleanups();
const harnesses: Harness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

async function proxy(targets: { kind: string; url: string; model: string }[], store: Record<string, unknown>): Promise<Harness> {
  const providers = Object.fromEntries(targets.map((t, i) => [`p${i + 1}`, { kind: t.kind, baseUrl: t.url, apiKey: 'env:TEST_KEY' }]));
  const h = await startProxy({
    providers,
    aliases: { alias: { targets: targets.map((t, i) => ({ provider: `p${i + 1}`, model: t.model })) } },
    policy: { headerTimeoutMs: 2_000, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 2_000, backoffBaseMs: 1, backoffMaxMs: 2 },
    responses: { store },
  });
  harnesses.push(h);
  return h;
}

/** Waits for the after-the-answer work (the store write) of the n-th request. */
async function settled(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < 200 && h.records.length <= n; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('the response store', () => {
  it('continues a conversation on another provider kind after the first one fails', async () => {
    let responsesUp = true;
    const p1 = await fakeHttp(() => (responsesUp ? sseFixture('openai-responses', 'text') : { kind: 'reset' }));
    const p2 = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxy(
      [
        { kind: 'openai', url: `${p1.url}/v1`, model: 'gpt-5' },
        { kind: 'anthropic', url: p2.url, model: 'claude-sonnet-4-5' },
      ],
      { enabled: true },
    );
    const first = await h.openai.responses.stream({ model: 'alias', instructions: 'Be brief.', input: 'Capital of France?' }).finalResponse();
    expect(first.id).toMatch(/^resp_/);
    await settled(h, 0);

    responsesUp = false;
    const second = await h.openai.responses.create({ model: 'alias', instructions: 'Be brief.', input: 'And of Italy?', previous_response_id: first.id });
    expect(second.output_text).toBe('Paris is the capital of France.');
    const sent = p2.requests[0]!.body as { system: unknown; messages: { role: string; content: { type: string; text?: string }[] }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent.messages[0]!.content[0]).toMatchObject({ text: 'Capital of France?' });
    expect(sent.messages[1]!.content[0]).toMatchObject({ text: 'Paris is the capital of France.' });
    expect(sent.messages[2]!.content[0]).toMatchObject({ text: 'And of Italy?' });
    // The stored id is the proxy's: no provider ever sees it.
    expect(JSON.stringify(p1.requests.map((r) => r.body))).not.toContain(first.id);
  });

  it('store: false keeps nothing; the id then goes only to a Responses target, and without one the caller learns why', async () => {
    const up = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxy([{ kind: 'anthropic', url: up.url, model: 'claude-sonnet-4-5' }], { enabled: true });
    const first = await h.openai.responses.create({ model: 'alias', input: 'Capital of France?', store: false });
    await settled(h, 0);
    const error = await h.openai.responses.create({ model: 'alias', input: 'And Italy?', previous_response_id: first.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, param: 'previous_response_id' });
    expect(up.requests).toHaveLength(1);
  });

  it('off by default; and a conversation larger than maxBytes is not kept', async () => {
    const up = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const off = await proxy([{ kind: 'anthropic', url: up.url, model: 'claude-sonnet-4-5' }], {});
    const a = await off.openai.responses.create({ model: 'alias', input: 'Capital of France?' });
    await settled(off, 0);
    expect(await off.openai.responses.create({ model: 'alias', input: 'more', previous_response_id: a.id }).catch((e: unknown) => e)).toMatchObject({ status: 400 });

    const small = await proxy([{ kind: 'anthropic', url: up.url, model: 'claude-sonnet-4-5' }], { enabled: true, maxBytes: 1024 });
    const b = await small.openai.responses.create({ model: 'alias', input: 'x'.repeat(2_000) });
    await settled(small, 0);
    expect(await small.openai.responses.create({ model: 'alias', input: 'more', previous_response_id: b.id }).catch((e: unknown) => e)).toMatchObject({ status: 400 });
    expect(small.records).toHaveLength(2);
  });
});
