import Anthropic from '@anthropic-ai/sdk';
import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { clientKeyRecord, createAuthorize, generateClientKey, staticKeys } from '../../../functions/core/client-keys.ts';
import { openaiError, openaiTextFrames, startFakeProvider, type Behavior, type FakeProvider } from '../../support/fake-provider.ts';
import { ManualClock, recordOf, startProxy, type Harness } from '../../support/proxy-harness.ts';
import { onCleanup, useCleanups } from '../../support/cleanups.ts';

/**
 * Routing by task and cost end to end: the official SDKs → the local proxy → fake providers on
 * loopback. Routes and their conditions, the route header and metrics, cost, budgets (429 in both
 * dialects, onExceeded route), context windows, affinity.
 */

useCleanups();

const ok = (text = 'fine'): Behavior => ({ kind: 'sse', frames: openaiTextFrames(text.split(/(?= )/)) });

async function fakes(n: number, script: (provider: number, i: number) => Behavior = () => ok()): Promise<FakeProvider[]> {
  const out: FakeProvider[] = [];
  for (let p = 0; p < n; p++) {
    const provider = await startFakeProvider((_, i) => script(p, i));
    onCleanup(() => provider.close());
    out.push(provider);
  }
  return out;
}

function providers(list: FakeProvider[]) {
  return Object.fromEntries(list.map((p, i) => [`p${i + 1}`, { kind: 'openai', baseUrl: p.baseUrl, apiKey: 'env:TEST_KEY' }]));
}

async function proxy(document: Record<string, unknown>, options: Parameters<typeof startProxy>[1] = {}): Promise<Harness> {
  const harness = await startProxy({ policy: { headerTimeoutMs: 2_000, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 2_000 }, ...document }, options);
  onCleanup(() => harness.close());
  return harness;
}

async function ask(h: Harness, content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const { data, response } = await h.openai.chat.completions
    .create({ model: 'assistant', messages: [{ role: 'user', content }], ...extra } as never, { headers })
    .withResponse();
  return { data: data as unknown as { choices: { message: { content: string } }[] }, headers: response.headers };
}

// Fake usage is 11 input tokens and one output token per piece: at these prices one answer of
// "fine" costs 11 × 1000 + 1 × 2000 = 13,000 µUSD = $0.013.
const PRICES = { 'p1/big': { input: 1_000, output: 2_000 }, 'p2/small': { input: 100, output: 200 } };

describe('routes and conditions', () => {
  it('sends a simple task to the cheap route, a complex one to the default, and names the route everywhere', async () => {
    const [p1, p2] = await fakes(2);
    const h = await proxy({
      providers: providers([p1!, p2!]),
      prices: PRICES,
      aliases: {
        assistant: {
          targets: [{ provider: 'p1', model: 'big' }],
          routes: [{ name: 'cheap', when: { maxComplexity: 0.35, tools: false }, targets: [{ provider: 'p2', model: 'small' }] }],
        },
      },
    });
    const simple = await ask(h, 'Classify the sentiment of this review as positive or negative: "great phone"');
    expect(simple.headers.get('x-understudy-route')).toBe('cheap');
    expect(simple.headers.get('x-understudy-provider')).toBe('p2');
    const hard = await ask(h, 'Design a rate limiter for a multi-region API that must survive the loss of a region; explain the trade-offs and prove it never over-admits by more than 1%, step by step.');
    expect(hard.headers.get('x-understudy-route')).toBe('default');
    expect(hard.headers.get('x-understudy-provider')).toBe('p1');
    // Tools present: the cheap route's `tools: false` does not hold, whatever the score.
    const tools = await ask(h, 'What is the capital of France?', { tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }] });
    expect(tools.headers.get('x-understudy-route')).toBe('default');

    const first = await recordOf(h, 0);
    expect(first).toMatchObject({ route: 'cheap', servedBy: { provider: 'p2', primary: true } });
    expect(first.complexity).toBeLessThanOrEqual(0.35);
    expect((await recordOf(h, 1)).complexity).toBeGreaterThan(0.35);
    // Cost: $0.0013 on the cheap route, $0.013 had the default route served it.
    expect(first.costUsd).toBeCloseTo(0.0013, 9);
    expect(first.defaultRouteCostUsd).toBeCloseTo(0.013, 9);
    const metrics = h.telemetry.metrics;
    expect(metrics.get('CostUSD|Alias=assistant|Route=cheap|Target=p2/small')).toBeCloseTo(0.0013, 9);
    expect(metrics.get('CostUSD|Alias=assistant|Route=default|Target=p1/big')).toBeCloseTo(0.026, 9);
    expect(metrics.get('CostUSD|Alias=assistant')).toBeCloseTo(0.0273, 9);
    expect(metrics.get('DefaultRouteCostUSD|Alias=assistant')).toBeCloseTo(0.039, 9);
    expect(metrics.get('RouteRequests|Alias=assistant|Route=cheap')).toBe(1);
    expect(metrics.get('RouteRequests|Alias=assistant|Route=default')).toBe(2);
  });

  it('matches headers, patterns, images, JSON output, token bounds and client keys; all conditions of a route must hold', async () => {
    const list = await fakes(3);
    const { id, key } = generateClientKey();
    const authorize = createAuthorize(staticKeys([{ id, ...clientKeyRecord(key, 'batch-jobs', undefined, new Date()) }]));
    const h = await proxy(
      {
        providers: providers(list),
        aliases: {
          assistant: {
            targets: [{ provider: 'p1', model: 'big' }],
            routes: [
              { name: 'beta', when: { header: { 'X-Tier': 'beta' } }, targets: [{ provider: 'p2', model: 'small' }] },
              { name: 'sql', when: { pattern: '\\bselect\\b.*\\bfrom\\b', maxInputTokens: 200 }, targets: [{ provider: 'p3', model: 'other' }] },
              { name: 'batch', when: { clientKey: ['batch-jobs', 'nightly'] }, targets: [{ provider: 'p2', model: 'small' }] },
              { name: 'json', when: { jsonOutput: true }, targets: [{ provider: 'p3', model: 'other' }] },
              { name: 'vision', when: { images: true }, targets: [{ provider: 'p3', model: 'other' }] },
              { name: 'long', when: { minInputTokens: 1_000 }, targets: [{ provider: 'p2', model: 'small' }] },
            ],
          },
        },
      },
      { server: { authorize } },
    );
    const OpenAI = (await import('openai')).default;
    const keyed = new OpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey: key, maxRetries: 0 });
    const routeOf = async (content: unknown, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
      const { response } = await keyed.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content }], ...extra } as never, { headers }).withResponse();
      return response.headers.get('x-understudy-route');
    };
    expect(await routeOf('hello', {}, { 'x-tier': 'beta' })).toBe('beta');
    expect(await routeOf('hello', {}, { 'x-tier': 'gamma' })).toBe('batch');
    expect(await routeOf('Why is SELECT name FROM users slow?')).toBe('sql');
    // The pattern holds but the token bound does not: the route is passed over.
    expect(await routeOf(`Why is SELECT name FROM users slow? ${'context '.repeat(200)}`)).toBe('batch');
    expect(await routeOf('x'.repeat(5_000))).toBe('batch');

    // Without the batch key: the later routes are reached.
    const anonymous = await startProxy(
      { providers: providers(list), aliases: { assistant: { targets: [{ provider: 'p1', model: 'big' }], routes: h.proxy.compiled.config.aliases.assistant!.routes } } },
    );
    onCleanup(() => anonymous.close());
    const anon = async (content: unknown, extra: Record<string, unknown> = {}) =>
      (await anonymous.openai.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content }], ...extra } as never).withResponse()).response.headers.get('x-understudy-route');
    expect(await anon('hello', { response_format: { type: 'json_object' } })).toBe('json');
    expect(await anon([{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }])).toBe('vision');
    expect(await anon('x'.repeat(5_000))).toBe('long');
    expect(await anon('hello')).toBe('default');
  });
});

describe('budgets', () => {
  const budgetConfig = (list: FakeProvider[], budgets: unknown[]) => ({
    providers: providers(list),
    prices: PRICES,
    budgets,
    aliases: {
      assistant: {
        targets: [{ provider: 'p1', model: 'big' }],
        routes: [{ name: 'frugal', targets: [{ provider: 'p2', model: 'small' }] }],
      },
    },
  });

  it('rejects with a 429 in the caller\'s own format once the alias\'s daily budget is spent, saying when it resets', async () => {
    const list = await fakes(2);
    const clock = new ManualClock({ frozen: true });
    const h = await proxy(budgetConfig(list, [{ alias: 'assistant', perDay: 0.025 }]), { clock });
    await ask(h, 'one');
    await ask(h, 'two'); // $0.026 spent: over the cap from now on
    const resetsAt = new Date(clock.now());
    resetsAt.setUTCHours(24, 0, 0, 0);
    const retryAfter = String(Math.ceil((resetsAt.getTime() - clock.now()) / 1000));

    const error = await ask(h, 'three').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    const openaiError = error as APIError;
    expect(openaiError.status).toBe(429);
    expect(openaiError.code).toBe('budget_exceeded');
    expect(openaiError.message).toContain(`resets at ${resetsAt.toISOString()}`);
    expect(openaiError.headers?.get('retry-after')).toBe(retryAfter);
    expect(openaiError.headers?.get('x-should-retry')).toBe('false');

    const anthropic = new Anthropic({ baseURL: h.proxy.url, apiKey: 'local', maxRetries: 0 });
    const anthropicError = await anthropic.messages.create({ model: 'assistant', max_tokens: 16, messages: [{ role: 'user', content: 'four' }] }).catch((e: unknown) => e);
    expect(anthropicError).toBeInstanceOf(Anthropic.RateLimitError);
    expect((anthropicError as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect((anthropicError as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe(retryAfter);
    expect(list[0]!.requests).toHaveLength(2);
    expect((await recordOf(h, 2)).budget).toBe('alias:assistant/day');

    // The next UTC day starts afresh.
    clock.advance(Number(retryAfter) * 1000);
    expect((await ask(h, 'five')).headers.get('x-understudy-provider')).toBe('p1');
  });

  it('serves through the onExceeded route once a client key\'s budget is spent, and only that key', async () => {
    const list = await fakes(2);
    const keys = [generateClientKey(), generateClientKey()];
    const authorize = createAuthorize(staticKeys(keys.map((k, i) => ({ id: k.id, ...clientKeyRecord(k.key, i === 0 ? 'team-a' : 'team-b', undefined, new Date()) }))));
    const h = await proxy(budgetConfig(list, [{ clientKey: 'team-a', perMonth: 0.02, onExceeded: { route: 'frugal' } }]), { server: { authorize } });
    const OpenAI = (await import('openai')).default;
    const as = (i: number) => new OpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey: keys[i]!.key, maxRetries: 0 });
    const served = async (i: number) => (await as(i).chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }).withResponse()).response.headers;
    expect((await served(0)).get('x-understudy-route')).toBe('default');
    expect((await served(0)).get('x-understudy-route')).toBe('default'); // $0.026 > $0.02
    const after = await served(0);
    expect(after.get('x-understudy-route')).toBe('frugal');
    expect(after.get('x-understudy-provider')).toBe('p2');
    expect((await recordOf(h, 2)).budget).toBe('key:team-a/month');
    expect((await served(1)).get('x-understudy-route')).toBe('default');
    const status = await new (await import('../../../functions/core/budgets/budgets.ts')).Budgets(h.proxy.compiled.config.budgets!, h.proxy.spend).status(h.clock.now());
    expect(status).toEqual([expect.objectContaining({ budget: 'key:team-a/month', capUsd: 0.02 })]);
    expect(status[0]!.spentUsd).toBeCloseTo(0.013 * 2 + 0.0013, 9);
  });
});

describe('context windows', () => {
  const long = 'word '.repeat(4_000); // about 5,000 estimated tokens

  it('skips a target whose window the request exceeds, without an attempt', async () => {
    const [p1, p2] = await fakes(2);
    const h = await proxy({
      providers: providers([p1!, p2!]),
      aliases: { assistant: { targets: [{ provider: 'p1', model: 'big', contextWindow: 4_096 }, { provider: 'p2', model: 'small', contextWindow: 32_000 }] } },
    });
    const { headers } = await ask(h, long);
    expect(headers.get('x-understudy-attempts')).toBe('p1/big=skipped-context,p2/small=200');
    expect(p1!.requests).toHaveLength(0);
    // A short request still goes to the first target.
    expect((await ask(h, 'short')).headers.get('x-understudy-provider')).toBe('p1');
  });

  it('answers 400 context_length_exceeded when no target of the route is large enough', async () => {
    const [p1] = await fakes(1);
    const h = await proxy({ providers: providers([p1!]), aliases: { assistant: { targets: [{ provider: 'p1', model: 'big', contextWindow: 1_000 }] } } });
    const error = (await ask(h, long).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(400);
    expect(error.code).toBe('context_length_exceeded');
    expect(p1!.requests).toHaveLength(0);
  });

  it('after a context-length error moves only to a larger window, never a smaller or unknown one', async () => {
    const list = await fakes(4, (p) => (p === 0 ? openaiError(400, "This model's maximum context length is 8192 tokens.", 'invalid_request_error', 'context_length_exceeded') : ok()));
    const h = await proxy({
      providers: providers(list),
      aliases: {
        assistant: {
          targets: [
            { provider: 'p1', model: 'a', contextWindow: 8_192 },
            { provider: 'p2', model: 'b', contextWindow: 4_096 },
            { provider: 'p3', model: 'unknown-model' },
            { provider: 'p4', model: 'd', contextWindow: 128_000 },
          ],
        },
      },
      policy: { maxAttempts: 3 },
    });
    const { headers } = await ask(h, 'short enough for every window by the estimate');
    expect(headers.get('x-understudy-attempts')).toBe('p1/a=400,p2/b=skipped-context,p3/unknown-model=skipped-context,p4/d=200');
    expect(list[1]!.requests).toHaveLength(0);
    expect(list[2]!.requests).toHaveLength(0);
  });
});

describe('affinity', () => {
  const grouped = (list: FakeProvider[]) => ({
    providers: providers(list),
    aliases: {
      assistant: {
        targets: [
          { provider: 'p1', model: 'same', group: 'sonnet' },
          { provider: 'p2', model: 'same', group: 'sonnet' },
          { provider: 'p3', model: 'other' },
        ],
      },
    },
  });

  it('keeps a conversation on one member of a group, by header or by its opening, and spreads conversations', async () => {
    const list = await fakes(3);
    const h = await proxy(grouped(list));
    const servedBy = async (messages: unknown[], headers: Record<string, string> = {}) =>
      (await h.openai.chat.completions.create({ model: 'assistant', messages } as never, { headers }).withResponse()).response.headers.get('x-understudy-provider');
    const seen = new Set<string | null>();
    for (let s = 0; s < 12; s++) {
      const first = await servedBy([{ role: 'user', content: 'hi' }], { 'x-understudy-session': `session-${s}` });
      expect(await servedBy([{ role: 'user', content: 'something else' }], { 'x-understudy-session': `session-${s}` })).toBe(first);
      seen.add(first);
    }
    expect(seen).toEqual(new Set(['p1', 'p2']));

    // No header: the system prompt and first user message pin the conversation as it grows.
    for (let c = 0; c < 4; c++) {
      const opening = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: `task number ${c}` }];
      const first = await servedBy(opening);
      const later = [...opening, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and then?' }];
      expect(await servedBy(later)).toBe(first);
    }
  });

  it('fails over to the other member when the pinned one fails: failover ignores affinity', async () => {
    const list = await fakes(3);
    const probe = await proxy(grouped(list));
    const pinned = (await probe.openai.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] } as never, { headers: { 'x-understudy-session': 'abc' } }).withResponse()).response.headers.get('x-understudy-provider')!;
    const down = Number(pinned.slice(1)) - 1;
    const failing = await fakes(3, (p) => (p === down ? openaiError(503, 'overloaded', 'server_error') : ok()));
    const h = await proxy(grouped(failing));
    const { response } = await h.openai.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] } as never, { headers: { 'x-understudy-session': 'abc' } }).withResponse();
    const other = pinned === 'p1' ? 'p2' : 'p1';
    // The pinned member fails (a transient 5xx may be retried on it once), then its peer serves.
    expect(response.headers.get('x-understudy-provider')).toBe(other);
    expect(response.headers.get('x-understudy-attempts')).toMatch(new RegExp(`^${pinned}/same=503,(${pinned}/same=503,)?${other}/same=200$`));
  });
});
