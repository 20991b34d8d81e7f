import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { openaiError, openaiTextFrames, type Behavior, type FakeProvider } from '../support/fake-provider.ts';
import { recordOf, startProxy, streamChat, type Harness } from '../support/proxy-harness.ts';
import { fakeHttp, onCleanup, useCleanups } from '../support/cleanups.ts';

/**
 * The attempt loop end to end: the official OpenAI SDK → the local proxy → fake providers on
 * loopback. Every row of RELIABILITY.md §1 and the streaming rules of §4.
 */

useCleanups();

const fake = (script: (i: number) => Behavior): Promise<FakeProvider> => fakeHttp((_, i) => script(i));

async function chain(providers: FakeProvider[], policy: Record<string, unknown> = {}, aliasPolicy: Record<string, unknown> = {}): Promise<Harness> {
  const names = providers.map((_, i) => `p${i + 1}`);
  const harness = await startProxy({
    providers: Object.fromEntries(providers.map((p, i) => [names[i], { kind: 'openai', baseUrl: p.baseUrl, apiKey: 'env:TEST_KEY' }])),
    aliases: { 'default-model': { targets: names.map((provider) => ({ provider, model: `model-${provider}` })), policy: aliasPolicy } },
    policy: { headerTimeoutMs: 1_000, firstTokenTimeoutMs: 1_000, idleTimeoutMs: 1_000, backoffBaseMs: 10, backoffMaxMs: 20, ...policy },
  });
  onCleanup(() => harness.close());
  return harness;
}

const ok = (text = 'Hello from upstream'): Behavior => ({ kind: 'sse', frames: openaiTextFrames(text.split(/(?= )/)) });
const messages = [{ role: 'user' as const, content: 'Say hello' }];

async function complete(h: Harness) {
  const { data, response } = await h.openai.chat.completions.create({ model: 'default-model', messages }).withResponse();
  return { data, headers: response.headers };
}

const stream = (h: Harness) => streamChat(h, messages);

describe('serving and headers', () => {
  it('serves a non-streamed request from the primary and names who served it', async () => {
    const p1 = await fake(() => ok());
    const h = await chain([p1]);
    const { data, headers } = await complete(h);
    expect(data.choices[0]!.message.content).toBe('Hello from upstream');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.model).toBe('gpt-4o-2024-08-06');
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 3 });
    expect(headers.get('x-understudy-provider')).toBe('p1');
    expect(headers.get('x-understudy-model')).toBe('model-p1');
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=200');
    expect(p1.requests[0]!.headers.authorization).toBe('Bearer sk-test-not-a-real-key');
    expect(p1.requests[0]!.body).toMatchObject({ model: 'model-p1', stream: true });
  });

  it('streams from the primary with usage at the end', async () => {
    const h = await chain([await fake(() => ok())]);
    const result = await stream(h);
    expect(result).toMatchObject({ text: 'Hello from upstream', finish: 'stop', usage: { prompt_tokens: 11, completion_tokens: 3 } });
    expect(result.headers.get('content-type')).toContain('text/event-stream');
  });

  it('writes one log record per request with attempts, served target and usage, and no content', async () => {
    const h = await chain([await fake(() => openaiError(503, 'down', 'server_error')), await fake(() => ok('secret answer text'))]);
    await complete(h);
    const record = await recordOf(h, 0);
    expect(record).toMatchObject({ alias: 'default-model', status: 200, servedBy: { provider: 'p2', primary: false }, usage: { inputTokens: 11 } });
    expect(record.attempts.map((a) => a.outcome)).toEqual(['503', '503', '200']);
    expect(JSON.stringify(record)).not.toContain('secret answer');
    expect(JSON.stringify(record)).not.toContain('Say hello');
    expect(JSON.stringify(record)).not.toContain('sk-test');
  });
});

describe('failures before the commit point fail over invisibly', () => {
  it('connection reset before headers: once more on the same target, then the next', async () => {
    const p1 = await fake(() => ({ kind: 'reset' }));
    const p2 = await fake(() => ok());
    const h = await chain([p1, p2]);
    const { data, headers } = await complete(h);
    expect(data.choices[0]!.message.content).toBe('Hello from upstream');
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=reset,p1/model-p1=reset,p2/model-p2=200');
    expect(headers.get('x-understudy-provider')).toBe('p2');
  });

  it('silent upstream (no headers): never the same target again', async () => {
    const p1 = await fake(() => ({ kind: 'silent' }));
    const p2 = await fake(() => ok());
    const h = await chain([p1, p2], { headerTimeoutMs: 200 });
    const { headers } = await stream(h);
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=header-timeout,p2/model-p2=200');
    expect(p1.requests).toHaveLength(1);
  });

  it('slow first token while streaming: fails over before anything reaches the client', async () => {
    const p1 = await fake(() => ({ kind: 'sse', frames: openaiTextFrames(['late']), firstDelayMs: 2_000 }));
    const p2 = await fake(() => ok());
    const h = await chain([p1, p2], { firstTokenTimeoutMs: 200 });
    const result = await stream(h);
    expect(result.text).toBe('Hello from upstream');
    expect(result.headers.get('x-understudy-attempts')).toBe('p1/model-p1=first-token-timeout,p2/model-p2=200');
  });

  it('a role chunk alone is not content: the commit waits for the first token', async () => {
    const frames = openaiTextFrames(['never']);
    const p1 = await fake(() => ({ kind: 'sse', frames: [frames[0]!], then: 'hang' }));
    const p2 = await fake(() => ok());
    const h = await chain([p1, p2], { firstTokenTimeoutMs: 200 });
    const result = await stream(h);
    expect(result.text).toBe('Hello from upstream');
  });

  it('500 once on the last target of the chain: retried on the same target', async () => {
    const p1 = await fake((i) => (i === 0 ? openaiError(500, 'oops', 'server_error') : ok()));
    const h = await chain([p1]);
    const { data, headers } = await complete(h);
    expect(data.choices[0]!.message.content).toBe('Hello from upstream');
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=500,p1/model-p1=200');
  });

  it('429 with retry-after-ms: waits for it, then the same target serves', async () => {
    const p1 = await fake((i) => (i === 0 ? { ...openaiError(429, 'slow down', 'rate_limit_exceeded'), headers: { 'retry-after-ms': '150' } } : ok()));
    const h = await chain([p1, await fake(() => ok('fallback'))]);
    const { headers } = await complete(h);
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=429,p1/model-p1=200');
  });

  it('429 whose retry-after is longer than allowed: fails over at once and cools the target down', async () => {
    const p1 = await fake(() => ({ ...openaiError(429, 'slow down', 'rate_limit_exceeded'), headers: { 'retry-after': '30' } }));
    const p2 = await fake(() => ok());
    const h = await chain([p1, p2]);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=429,p2/model-p2=200');
    // The cooldown is not a failure, but the target is skipped until it ends.
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=skipped-cooldown,p2/model-p2=200');
    expect(p1.requests).toHaveLength(1);
  });

  it('a transient 500 on a quiet primary: retried once on the same model, which then serves', async () => {
    const p1 = await fake((i) => (i === 0 ? openaiError(500, 'oops', 'server_error') : ok('primary')));
    const p2 = await fake(() => ok('fallback'));
    const h = await chain([p1, p2]);
    const { data, headers } = await complete(h);
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=500,p1/model-p1=200');
    expect(data.choices[0]?.message.content).toBe('primary');
    expect(p2.requests).toHaveLength(0);
  });

  it('500 on a primary already counting failures: fails over at once, no retry on the failing one', async () => {
    const p1 = await fake(() => openaiError(500, 'oops', 'server_error'));
    const h = await chain([p1, await fake(() => ok())]);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=500,p1/model-p1=500,p2/model-p2=200');
    // Its breaker now counts two failures in a row: the next request does not wait for a retry.
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=500,p2/model-p2=200');
  });

  it('an empty answer (a stop with no content) is a failure that fails over, streamed or not', async () => {
    const empty: Behavior = { kind: 'sse', frames: openaiTextFrames([]) };
    const p1 = await fake(() => empty);
    const h = await chain([p1, await fake(() => ok('fallback'))]);
    const whole = await complete(h);
    expect(whole.headers.get('x-understudy-attempts')).toBe('p1/model-p1=empty-answer,p2/model-p2=200');
    expect(whole.data.choices[0]?.message.content).toBe('fallback');
    const streamed = await stream(h);
    expect(streamed.headers.get('x-understudy-attempts')).toBe('p1/model-p1=empty-answer,p2/model-p2=200');
    expect(streamed.text).toBe('fallback');
    expect(streamed.finish).toBe('stop');
  });

  it('503 with a long retry-after (a long overload): fails over at once', async () => {
    const p1 = await fake(() => ({ ...openaiError(503, 'overloaded', 'server_error'), headers: { 'retry-after': '60' } }));
    const h = await chain([p1, await fake(() => ok())]);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=503,p2/model-p2=200');
  });

  it('429 without a header: fails over at once when another target remains', async () => {
    const p1 = await fake(() => openaiError(429, 'slow down', 'rate_limit_exceeded'));
    const h = await chain([p1, await fake(() => ok())]);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=429,p2/model-p2=200');
  });

  it('429 without a header on the last target: one jittered backoff, then a second try', async () => {
    const p1 = await fake((i) => (i === 0 ? openaiError(429, 'slow down', 'rate_limit_exceeded') : ok()));
    const h = await chain([p1]);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=429,p1/model-p1=200');
  });

  it('503 persistent: the breaker opens after consecutive failures and the target is skipped', async () => {
    const p1 = await fake(() => openaiError(503, 'overloaded', 'server_error'));
    const p2 = await fake(() => ok());
    const h = await chain([p1, p2], { breaker: { consecutiveFailures: 3 } });
    // The first request retries the quiet primary once; the second finds it failing and fails over at once.
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=503,p1/model-p1=503,p2/model-p2=200');
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=503,p2/model-p2=200');
    // Three failures in a row: open. The skip costs no upstream attempt.
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=skipped-open,p2/model-p2=200');
    expect(p1.requests).toHaveLength(3);
  });

  it('401 on one provider: fails over and keeps the broken target open for long', async () => {
    const p1 = await fake(() => openaiError(401, 'Incorrect API key provided', 'invalid_request_error', 'invalid_api_key'));
    const h = await chain([p1, await fake(() => ok())]);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=401,p2/model-p2=200');
    h.clock.advance(60_000);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=skipped-open,p2/model-p2=200');
  });

  it('context length exceeded: never the same model again, the next target serves', async () => {
    const p1 = await fake(() => openaiError(400, "This model's maximum context length is 8192 tokens", 'invalid_request_error', 'context_length_exceeded'));
    const h = await chain([p1, await fake(() => ok())]);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=400,p2/model-p2=200');
  });

  it("content-policy refusal: the provider's reason comes back, no failover", async () => {
    const p1 = await fake(() => openaiError(400, 'Your request was rejected by the safety system', 'invalid_request_error', 'content_policy_violation'));
    const p2 = await fake(() => ok());
    const h = await chain([p1, p2]);
    const error = await complete(h).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(400);
    expect((error as APIError).message).toContain('safety system');
    expect((error as APIError).code).toBe('content_policy_violation');
    expect((error as APIError).headers?.get('x-should-retry')).toBe('false');
    expect(p2.requests).toHaveLength(0);
  });

  it("content-policy refusal fails over when the alias opts in", async () => {
    const p1 = await fake(() => openaiError(400, 'rejected by the safety system', 'invalid_request_error', 'content_policy_violation'));
    const h = await chain([p1, await fake(() => ok())], {}, { failoverOnContentPolicy: true });
    expect((await complete(h)).headers.get('x-understudy-provider')).toBe('p2');
  });

  it("another 400 is the caller's error: returned as is, nothing else tried", async () => {
    const p1 = await fake(() => openaiError(400, "Invalid value for 'temperature'", 'invalid_request_error', 'invalid_value'));
    const p2 = await fake(() => ok());
    const h = await chain([p1, p2]);
    const error = (await complete(h).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(400);
    expect(error.message).toContain('temperature');
    expect(p2.requests).toHaveLength(0);
  });

  it('a non-streamed request fails over even when the first target dies half-way', async () => {
    const p1 = await fake(() => ({ kind: 'sse', frames: openaiTextFrames(['Hel', 'lo', ' there']).slice(0, 3), then: 'cut' }));
    const h = await chain([p1, await fake(() => ok())]);
    const { data, headers } = await complete(h);
    expect(data.choices[0]!.message.content).toBe('Hello from upstream');
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=stream-broken,p2/model-p2=200');
  });

  it('stops at maxAttempts and answers 503 with the attempts named', async () => {
    const failing = () => openaiError(503, 'overloaded', 'server_error');
    const h = await chain([await fake(failing), await fake(failing), await fake(failing)]);
    const error = (await complete(h).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(503);
    expect(error.headers?.get('x-should-retry')).toBe('false');
    // The quiet primary's one retry counts against maxAttempts (3): the third target is never reached.
    expect(error.headers?.get('x-understudy-attempts')).toBe('p1/model-p1=503,p1/model-p1=503,p2/model-p2=503');
  });

  it('every target open: tries the one that reopens first (panic), then 503 with retry-after', async () => {
    const p1 = await fake(() => openaiError(503, 'overloaded', 'server_error'));
    const h = await chain([p1], { maxAttempts: 2, breaker: { consecutiveFailures: 2 } });
    await complete(h).catch(() => {});
    const error = (await complete(h).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(503);
    expect(error.headers?.get('retry-after')).toMatch(/^\d+$/);
    expect(error.headers?.get('x-understudy-attempts')).toBe('p1/model-p1=skipped-open,p1/model-p1=503;panic');
    const record = await recordOf(h, 1);
    expect(record.attempts[1]).toMatchObject({ panic: true });
    expect(record.exhausted).toBe(true);
  });
});

describe('after the commit point a failure never looks like success (continuation off: test/core/continuation-stream.test.ts)', () => {
  it('stream cut mid-answer: the client gets an in-band error, no finish, no [DONE]', async () => {
    const frames = openaiTextFrames(['Hel', 'lo']);
    const p1 = await fake(() => ({ kind: 'sse', frames: frames.slice(0, 3), then: 'cut' }));
    const h = await chain([p1, await fake(() => ok())], { continueStreams: false });
    const response = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default-model', messages, stream: true }),
    });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('"content":"Hel"');
    expect(body).toContain('"error"');
    expect(body).not.toContain('[DONE]');
    expect(body).not.toMatch(/"finish_reason":"(stop|length)"/);
    const record = await recordOf(h, 0);
    expect(record.truncated).toBe(true);
  });

  it('stall mid-stream: the idle watchdog ends it with an error the SDK raises', async () => {
    const frames = openaiTextFrames(['Hel', 'lo']);
    const p1 = await fake(() => ({ kind: 'sse', frames: frames.slice(0, 3), then: 'hang' }));
    const h = await chain([p1], { idleTimeoutMs: 200, continueStreams: false });
    const error = await stream(h).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(String((error as Error).message)).toMatch(/no event within 200 ms/);
  });

  it('one malformed event is skipped and the answer completes', async () => {
    const frames = openaiTextFrames(['Hel', 'lo']);
    frames.splice(2, 0, 'data: {"id":"chatcmpl-fake", this is not json\n\n');
    const h = await chain([await fake(() => ({ kind: 'sse', frames }))]);
    expect((await stream(h)).text).toBe('Hello');
  });

  it('a stream that ends after its terminal event without [DONE] is a success', async () => {
    const h = await chain([await fake(() => ({ kind: 'sse', frames: openaiTextFrames(['Hi'], { done: false }) }))]);
    expect(await stream(h)).toMatchObject({ text: 'Hi', finish: 'stop' });
  });

  it('a stream that ends without a terminal event is a failure (fails over before commit)', async () => {
    const p1 = await fake(() => ({ kind: 'sse', frames: openaiTextFrames(['Hi'], { finish: null }) }));
    const h = await chain([p1, await fake(() => ok())]);
    const { headers } = await complete(h);
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=stream-broken,p2/model-p2=200');
  });
});

describe("the proxy's own errors, in OpenAI's format", () => {
  async function raw(h: Harness, init: RequestInit & { path?: string }) {
    const response = await fetch(`${h.proxy.url}${init.path ?? '/v1/chat/completions'}`, init);
    return { status: response.status, headers: response.headers, body: (await response.json()) as { error: { type: string; code?: string; message: string } } };
  }

  it('invalid JSON → 400', async () => {
    const h = await chain([await fake(() => ok())]);
    const r = await raw(h, { method: 'POST', body: '{"model":' });
    expect(r.status).toBe(400);
    expect(r.body.error.type).toBe('invalid_request_error');
    expect(r.headers.get('x-should-retry')).toBe('false');
  });

  it('unknown alias → 404 model_not_found', async () => {
    const h = await chain([await fake(() => ok())]);
    const r = await raw(h, { method: 'POST', body: JSON.stringify({ model: 'gpt-5-turbo', messages }) });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('model_not_found');
  });

  it('body over the limit → 413, counted as it arrives (Content-Length not trusted)', async () => {
    const h = await startProxy({
      providers: { p: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' } },
      aliases: { m: { targets: [{ provider: 'p', model: 'x' }] } },
      limits: { maxBodyBytes: 1024 },
    });
    onCleanup(() => h.close());
    const big = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    const chunks = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const r = await raw(h, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
    expect(r.status).toBe(413);
    const lying = await raw(h, { method: 'POST', body: big, headers: { 'content-length': String(big.length) } });
    expect(lying.status).toBe(413);
  });

  it('wrong method → 405 with Allow', async () => {
    const h = await chain([await fake(() => ok())]);
    const r = await raw(h, { method: 'GET' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
  });

  it('schema errors name the parameter, and the process stays up', async () => {
    const h = await chain([await fake(() => ok())]);
    for (const body of [[], 'null', { model: 'default-model' }, { model: 'default-model', messages: 'hi' }, { model: 'default-model', messages: [{ role: 'wizard', content: 'x' }] }]) {
      const r = await raw(h, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect((await complete(h)).data.choices[0]!.message.content).toBe('Hello from upstream');
  });

  it('GET /v1/models lists the aliases; /healthz answers', async () => {
    const h = await chain([await fake(() => ok())]);
    const models = await h.openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['default-model']);
    expect(await (await fetch(`${h.proxy.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('a base URL copied with a trailing slash (`//v1/…`) reaches the same route', async () => {
    const h = await chain([await fake(() => ok())]);
    const response = await fetch(`${h.proxy.url}//v1/models`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { id: string }[] }).data[0]?.id).toBe('default-model');
  });
});

describe('breakers end to end, under a hand-moved clock', () => {
  it('opens, skips, lets one probe through after the open period, and closes on its success', async () => {
    let p1Healthy = false;
    const p1 = await fake(() => (p1Healthy ? ok() : openaiError(503, 'overloaded', 'server_error')));
    const h = await chain([p1, await fake(() => ok())], { breaker: { consecutiveFailures: 2, openMs: 10_000, maxOpenMs: 10_000 } });
    await complete(h);
    await complete(h);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=skipped-open,p2/model-p2=200');
    const admin = async () => ((await (await fetch(`${h.proxy.url}/admin/breakers`)).json()) as { breakers: { target: string; state: string }[] }).breakers;
    expect((await admin()).find((b) => b.target === 'p1/model-p1')?.state).toBe('open');

    p1Healthy = true;
    h.clock.advance(12_001); // past the open period, jitter included
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=200;probe');
    expect((await admin()).find((b) => b.target === 'p1/model-p1')?.state).toBe('closed');
    expect(p1.requests).toHaveLength(3);
  });

  it('a failed probe re-opens the breaker for twice as long', async () => {
    const p1 = await fake(() => openaiError(503, 'overloaded', 'server_error'));
    const h = await chain([p1, await fake(() => ok())], { breaker: { consecutiveFailures: 1, openMs: 10_000, maxOpenMs: 40_000 } });
    await complete(h);
    h.clock.advance(12_001);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=503;probe,p2/model-p2=200');
    h.clock.advance(12_001); // 20 s ± 20 % now: still open
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=skipped-open,p2/model-p2=200');
    h.clock.advance(12_000);
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=503;probe,p2/model-p2=200');
  });

  it('obeys a state forced through the admin API until set back to auto', async () => {
    const p1 = await fake(() => ok('primary'));
    const h = await chain([p1, await fake(() => ok('fallback'))]);
    const force = (mode: string) =>
      fetch(`${h.proxy.url}/admin/breakers/p1/model-p1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });
    expect((await force('open')).status).toBe(200);
    const drained = await complete(h);
    expect(drained.headers.get('x-understudy-attempts')).toBe('p1/model-p1=skipped-forced-open,p2/model-p2=200');
    expect(drained.data.choices[0]?.message.content).toBe('fallback');
    expect((await force('sideways')).status).toBe(400);
    await force('auto');
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=200');
  });
});

describe('fault injection in front of the real upstream call', () => {
  async function chaotic(chaos: Record<string, unknown>, policy: Record<string, unknown> = {}) {
    const p1 = await fake(() => ok('primary'));
    const p2 = await fake(() => ok('fallback'));
    const h = await startProxy({
      providers: {
        p1: { kind: 'openai', baseUrl: p1.baseUrl, apiKey: 'env:TEST_KEY', chaos },
        p2: { kind: 'openai', baseUrl: p2.baseUrl, apiKey: 'env:TEST_KEY' },
      },
      aliases: { 'default-model': { targets: [{ provider: 'p1', model: 'model-p1' }, { provider: 'p2', model: 'model-p2' }] } },
      policy: { idleTimeoutMs: 300, backoffBaseMs: 1, backoffMaxMs: 2, ...policy },
    });
    onCleanup(() => h.close());
    return { h, p1 };
  }

  it('errorRate 1 answers every attempt with the configured status, and the fallback serves', async () => {
    const { h, p1 } = await chaotic({ errorRate: 1, status: 503 });
    const { data, headers } = await complete(h);
    expect(headers.get('x-understudy-attempts')).toBe('p1/model-p1=503,p1/model-p1=503,p2/model-p2=200');
    expect(data.choices[0]?.message.content).toBe('fallback');
    expect(p1.requests).toHaveLength(0);
  });

  it('resetRate 1 fails like a connection reset: once more, then the next', async () => {
    const { h } = await chaotic({ resetRate: 1 });
    expect((await complete(h)).headers.get('x-understudy-attempts')).toBe('p1/model-p1=reset,p1/model-p1=reset,p2/model-p2=200');
  });

  it('stallAfterChunks freezes the stream after content: the idle watchdog ends it in-band (continuation off)', async () => {
    const { h } = await chaotic({ stallAfterChunks: 2 }, { continueStreams: false });
    const error = await stream(h).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    const record = await recordOf(h, 0);
    expect(record.truncated).toBe(true);
    expect(record.attempts.map((a) => a.outcome)).toEqual(['idle-timeout']);
  });

  it('latencyMs delays the call and still serves from the primary', async () => {
    const { h } = await chaotic({ latencyMs: 30 });
    const { data } = await complete(h);
    expect(data.choices[0]?.message.content).toBe('primary');
  });
});
