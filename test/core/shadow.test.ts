import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';
import { envSecrets } from '../../functions/adapters/env-secrets.ts';
import { httpUpstream } from '../../functions/adapters/http-upstream.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { MemoryBreakerStore } from '../../functions/core/breaker/memory-store.ts';
import { createProxy, type Proxy } from '../../functions/core/proxy.ts';
import { compileConfig } from '../../functions/core/compiled-config.ts';
import { ingressDialects, providerDialects } from '../../functions/dialects/registry.ts';
import { nodeHandler } from '../../functions/local/node-http.ts';
import { openaiError, openaiTextFrames, startFakeProvider, type Behavior, type FakeProvider } from '../support/fake-provider.ts';
import { ManualClock } from '../support/manual-clock.ts';

/**
 * Shadow traffic end to end: the official OpenAI SDK → the proxy on loopback → a primary and a
 * shadow fake provider. The proxy is composed here as the local server composes it, because the
 * tests need its `settleShadows` (the local server does not expose the core).
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const PROMPT = 'Tell me about the zebra-violet-sentinel';
const messages = [{ role: 'user' as const, content: PROMPT }];
const ALIAS = 'default-model';

interface ShadowHarness {
  proxy: Proxy;
  openai: OpenAI;
  telemetry: ConsoleTelemetry;
  breakers: MemoryBreakerStore;
  /** Every line the telemetry wrote (request lines and log lines). */
  lines: string[];
  shadowLines(): Record<string, unknown>[];
}

async function fake(script: (i: number) => Behavior): Promise<FakeProvider> {
  const provider = await startFakeProvider((_, i) => script(i));
  cleanups.push(() => provider.close());
  return provider;
}

async function start(primary: FakeProvider, shadow: FakeProvider, options: { sampleRate?: number; primaryBehavesAs?: string } = {}): Promise<ShadowHarness> {
  const validated = validateConfig({
    providers: {
      primary: { kind: 'openai', baseUrl: primary.baseUrl, apiKey: 'env:TEST_KEY' },
      shadow: { kind: 'openai', baseUrl: shadow.baseUrl, apiKey: 'env:TEST_KEY' },
    },
    aliases: {
      [ALIAS]: { targets: [{ provider: 'primary', model: 'model-primary' }], shadow: { target: { provider: 'shadow', model: 'model-shadow' }, sampleRate: options.sampleRate ?? 1 } },
      plain: { targets: [{ provider: 'primary', model: 'model-primary' }] },
    },
    policy: { backoffBaseMs: 10, backoffMaxMs: 20 },
  });
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  const lines: string[] = [];
  const telemetry = new ConsoleTelemetry({ out: (line) => lines.push(line), err: (line) => lines.push(line) });
  const clock = new ManualClock();
  const breakers = new MemoryBreakerStore({ clock, random: () => 0.5 });
  const routes = await compileConfig(validated.config, envSecrets({ TEST_KEY: 'sk-test-not-a-real-key' }), providerDialects);
  const proxy = createProxy({ compiled: () => routes, breakers, upstream: httpUpstream, telemetry, clock, random: () => 0.5, ingress: ingressDialects });
  const server = createServer({ keepAlive: true }, nodeHandler(proxy.handle));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'local', maxRetries: 0 });
  const shadowLines = () =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'shadow');
  return { proxy, openai, telemetry, breakers, lines, shadowLines };
}

const answer = (text: string): Behavior => ({ kind: 'sse', frames: openaiTextFrames(text.split(/(?= )/)) });
const metric = (h: ShadowHarness, name: string) => h.telemetry.metrics.get(`${name}|Alias=${ALIAS}`);

async function complete(h: ShadowHarness, model = ALIAS) {
  const { data, response } = await h.openai.chat.completions.create({ model, messages }).withResponse();
  return { text: data.choices[0]!.message.content, finish: data.choices[0]!.finish_reason, usage: data.usage, headers: response.headers };
}

async function stream(h: ShadowHarness, model = ALIAS) {
  const { data, response } = await h.openai.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } }).withResponse();
  const chunks: string[] = [];
  let finish: string | null = null;
  let usage: unknown;
  for await (const chunk of data) {
    chunks.push(chunk.choices[0]?.delta.content ?? '');
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { chunks, finish, usage, provider: response.headers.get('x-understudy-provider') };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('shadow traffic', () => {
  it('sends the same request to the shadow, compares, and publishes metrics and one log line without text', async () => {
    const primary = await fake(() => answer('The zebra is a striped animal of Africa'));
    const shadow = await fake(() => answer('The zebra is a striped horse of Africa'));
    const h = await start(primary, shadow);
    const served = await complete(h);
    expect(served.text).toBe('The zebra is a striped animal of Africa');
    expect(served.headers.get('x-understudy-provider')).toBe('primary');
    await h.proxy.settleShadows(5_000);

    expect(shadow.requests).toHaveLength(1);
    const seen = shadow.requests[0]!.body as { model: string; messages: unknown };
    expect(seen.model).toBe('model-shadow');
    expect(seen.messages).toEqual((primary.requests[0]!.body as { messages: unknown }).messages);

    expect(metric(h, 'ShadowRequests')).toBe(1);
    expect(metric(h, 'ShadowFailures')).toBe(0);
    expect(metric(h, 'ShadowFinishMatch')).toBe(1);
    const similarity = metric(h, 'ShadowSimilarity')!;
    expect(similarity).toBeGreaterThan(0.5);
    expect(similarity).toBeLessThan(1);
    expect(metric(h, 'ShadowLatencyDelta')).toBeTypeOf('number');
    expect(metric(h, 'ShadowOutputTokenRatio')).toBe(1);

    const logged = h.shadowLines();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      alias: ALIAS,
      bothOk: true,
      finishMatch: true,
      served: { target: 'primary/model-primary', ok: true, outcome: '200', finishReason: 'stop', outputTokens: 8 },
      shadow: { target: 'shadow/model-shadow', ok: true, outcome: '200', finishReason: 'stop', outputTokens: 8 },
    });
    expect(logged[0]!.requestId).toMatch(/^[0-9a-f]{24}$/);
    const everything = h.lines.join('\n');
    expect(everything).not.toContain('zebra');
    expect(everything).not.toContain('sk-test-not-a-real-key');
  });

  it('scores identical answers 1, from a streaming client too', async () => {
    const primary = await fake(() => answer('Same words here'));
    const shadow = await fake(() => answer('Same words here'));
    const h = await start(primary, shadow);
    await stream(h);
    await h.proxy.settleShadows(5_000);
    expect(metric(h, 'ShadowSimilarity')).toBe(1);
    expect(h.shadowLines()[0]).toMatchObject({ similarity: 1, served: { firstContentMs: expect.any(Number) }, shadow: { firstContentMs: expect.any(Number) } });
  });

  it.each([
    ['a 503', openaiError(503, 'overloaded', 'server_error'), '503'],
    ['a reset', { kind: 'reset' } as Behavior, 'reset'],
  ])('the shadow failing with %s changes nothing for the client', async (_, behavior, outcome) => {
    const primary = await fake(() => answer('Hello from upstream'));
    const shadow = await fake(() => behavior);
    const h = await start(primary, shadow);
    const served = await complete(h);
    expect(served.text).toBe('Hello from upstream');
    expect(served.finish).toBe('stop');
    expect(served.headers.get('x-understudy-provider')).toBe('primary');
    expect(served.headers.get('x-understudy-attempts')).toBe('primary/model-primary=200');
    await h.proxy.settleShadows(5_000);
    expect(shadow.requests).toHaveLength(1);
    expect(metric(h, 'ShadowFailures')).toBe(1);
    expect(metric(h, 'ShadowSimilarity')).toBeUndefined();
    expect(h.shadowLines()[0]).toMatchObject({ bothOk: false, served: { ok: true }, shadow: { ok: false, outcome } });
  });

  it('a shadow that never answers does not hold the client, and settleShadows stays bounded', async () => {
    const primary = await fake(() => answer('Hello from upstream'));
    const shadow = await fake(() => ({ kind: 'silent' }));
    const h = await start(primary, shadow);
    const served = await stream(h);
    expect(served.chunks.join('')).toBe('Hello from upstream');
    expect(served.finish).toBe('stop');
    expect(served.provider).toBe('primary');
    await until(() => shadow.requests.length === 1, 'the shadow request');
    // The shadow is still waiting for headers (10 s by default): the bound is what returns here.
    await h.proxy.settleShadows(20);
    expect(metric(h, 'ShadowRequests')).toBeUndefined();
    // The shadow target goes away: its call fails, and only then is the comparison published.
    await shadow.close();
    await h.proxy.settleShadows(5_000);
    expect(metric(h, 'ShadowRequests')).toBe(1);
    expect(metric(h, 'ShadowFailures')).toBe(1);
  });

  it('samples by the random source: 0.4 skips a draw of 0.5, 0.6 takes it', async () => {
    const primary = await fake(() => answer('Hello from upstream'));
    const shadow = await fake(() => answer('Hello from the shadow'));
    const skipped = await start(primary, shadow, { sampleRate: 0.4 });
    await complete(skipped);
    const taken = await start(primary, shadow, { sampleRate: 0.6 });
    await complete(taken);
    await taken.proxy.settleShadows(5_000);
    expect(shadow.requests).toHaveLength(1);
    expect(metric(skipped, 'ShadowRequests')).toBeUndefined();
    expect(metric(taken, 'ShadowRequests')).toBe(1);
  });

  it('sampleRate 0: the shadow receives nothing', async () => {
    const primary = await fake(() => answer('Hello from upstream'));
    const shadow = await fake(() => answer('never'));
    const h = await start(primary, shadow, { sampleRate: 0 });
    await complete(h);
    await stream(h);
    await h.proxy.settleShadows(1_000);
    expect(primary.requests).toHaveLength(2);
    expect(shadow.requests).toHaveLength(0);
    expect(metric(h, 'ShadowRequests')).toBeUndefined();
    expect(h.shadowLines()).toHaveLength(0);
  });

  it('a streamed answer is complete and identical to the unshadowed one', async () => {
    const primary = await fake(() => answer('One two three four five'));
    const shadow = await fake((i) => (i % 2 === 0 ? openaiError(503, 'down', 'server_error') : answer('Another answer entirely')));
    const h = await start(primary, shadow);
    const plain = await stream(h, 'plain');
    const failing = await stream(h);
    const succeeding = await stream(h);
    expect(plain.chunks.join('')).toBe('One two three four five');
    expect(failing).toEqual(plain);
    expect(succeeding).toEqual(plain);
    await h.proxy.settleShadows(5_000);
    expect(shadow.requests).toHaveLength(2);
    expect(metric(h, 'ShadowRequests')).toBe(2);
    expect(metric(h, 'ShadowFailures')).toBe(1);
  });

  it('shadow failures never touch a breaker', async () => {
    const primary = await fake(() => answer('Hello from upstream'));
    const shadow = await fake(() => openaiError(503, 'down', 'server_error'));
    const h = await start(primary, shadow);
    // More failures in a row than the breaker's consecutiveFailures (5).
    for (let i = 0; i < 7; i++) await complete(h);
    await h.proxy.settleShadows(5_000);
    expect(metric(h, 'ShadowFailures')).toBe(7);
    const breakers = await h.breakers.list();
    expect(breakers.map((b) => b.target)).toEqual(['primary/model-primary']);
    expect(breakers[0]!.state).toBe('closed');
  });

  it('a failed client request is still compared, as served ok=false', async () => {
    const primary = await fake(() => openaiError(400, 'bad parameter', 'invalid_request_error'));
    const shadow = await fake(() => answer('Fine'));
    const h = await start(primary, shadow);
    const error = await complete(h).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(400);
    await h.proxy.settleShadows(5_000);
    expect(metric(h, 'ShadowRequests')).toBe(1);
    expect(metric(h, 'ShadowFailures')).toBe(0);
    expect(metric(h, 'ShadowSimilarity')).toBeUndefined();
    expect(h.shadowLines()[0]).toMatchObject({ bothOk: false, served: { ok: false, outcome: '400' }, shadow: { ok: true, outcome: '200' } });
  });
});

describe('shadow routes', () => {
  it('a shadow whose provider has no key is left out with a warning; the alias still serves', async () => {
    const validated = validateConfig({
      providers: { primary: { kind: 'openai', apiKey: 'env:TEST_KEY' }, shadow: { kind: 'openai', apiKey: 'env:MISSING_KEY' } },
      aliases: { [ALIAS]: { targets: [{ provider: 'primary', model: 'm' }], shadow: { target: { provider: 'shadow', model: 's' }, sampleRate: 1, timeoutMs: 5_000 } } },
    });
    if (!validated.ok) throw new Error(validated.errors.join('; '));
    const routes = await compileConfig(validated.config, envSecrets({ TEST_KEY: 'sk-test' }), providerDialects);
    const alias = routes.aliases.get(ALIAS)!;
    expect(alias.shadow).toBeUndefined();
    expect(alias.targets.map((t) => t.key)).toEqual(['primary/m']);
    expect(routes.warnings).toContain(`alias "${ALIAS}": shadow target shadow/s skipped (its provider has no key)`);

    const withKey = await compileConfig(validated.config, envSecrets({ TEST_KEY: 'sk-test', MISSING_KEY: 'sk-other' }), providerDialects);
    expect(withKey.aliases.get(ALIAS)!.shadow).toMatchObject({ target: { key: 'shadow/s', model: 's' }, sampleRate: 1, timeoutMs: 5_000 });
  });
});
