import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiTextFrames, startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { startProxy, type Harness } from '../support/proxy-harness.ts';
import { rawRequest } from '../support/raw-http.ts';
import { fixture } from '../translation/upstreams.ts';

/**
 * Issue 13, Scope: a few hundred generated malformed requests (bad JSON, wrong types, deep
 * nesting, odd methods, odd targets, odd headers, huge values) against both ingress routes of a
 * real local server. Whatever arrives: no 5xx, every error in the caller's own format, the process
 * alive, and no breaker moves (a caller's mistake is never a provider fault).
 */

let h: Harness;
let upstreams: FakeProvider[];
const crashes: unknown[] = [];
const onCrash = (error: unknown) => crashes.push(error);

beforeAll(async () => {
  upstreams = [
    await startFakeProvider(() => ({ kind: 'sse', frames: openaiTextFrames(['ok']) })),
    await startFakeProvider(() => ({ kind: 'sse', frames: [fixture('anthropic', 'text')] })),
  ];
  h = await startProxy({
    providers: {
      p1: { kind: 'openai', baseUrl: upstreams[0]!.baseUrl, apiKey: 'env:TEST_KEY' },
      p2: { kind: 'anthropic', baseUrl: upstreams[1]!.url, apiKey: 'env:TEST_KEY' },
    },
    aliases: { 'default-model': { targets: [{ provider: 'p1', model: 'm1' }, { provider: 'p2', model: 'm2' }] } },
    policy: { breaker: { consecutiveFailures: 1, minCalls: 1 } },
  });
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
});

afterAll(async () => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  await h.close();
  for (const upstream of upstreams) await upstream.close();
});

const ROUTES = ['/v1/chat/completions', '/v1/messages'] as const;
const nested = (depth: number, leaf: string) => '['.repeat(depth) + leaf + ']'.repeat(depth);
const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ019 -_./:;=,"{}[]%?&#@!~*()\''.split('')), maxLength: 40 });

/** Request bodies from plausible to hostile. */
const body = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.integer({ min: 65, max: 20_000 }).map((depth) => `{"model":"default-model","messages":${nested(depth, '')}}`),
  fc.integer({ min: 10, max: 5_000 }).map((depth) => `{"model":"default-model","max_tokens":8,"messages":[{"role":"user","content":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}`),
  fc.record(
    {
      model: fc.oneof(fc.constant('default-model'), fc.string({ maxLength: 30 }), fc.anything()),
      messages: fc.oneof(fc.anything(), fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'tool', 'developer'), fc.anything()), content: fc.anything() }), { maxLength: 4 })),
      max_tokens: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
      stream: fc.oneof(fc.boolean(), fc.anything()),
      tools: fc.anything(),
      temperature: fc.anything(),
    },
    { requiredKeys: [] },
  ).map((value) => JSON.stringify(value)),
  fc.integer({ min: 100_000, max: 400_000 }).map((size) => JSON.stringify({ model: 'x'.repeat(size), messages: [] })),
  fc.constantFrom('', 'null', '[]', '{}', '{"model":', '\u0000\u0001', '{"model":"default-model","messages":[{"role":"user","content":"hi"}]}'),
);

const request = fc.record({
  route: fc.constantFrom(...ROUTES),
  suffix: fc.constantFrom('', '/', '?beta=true', '?%zz', '//', '?a=%E0%A4%A'),
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''),
  host: fc.constantFrom('127.0.0.1', 'localhost', '[::1]', 'evil.example', 'user@127.0.0.1', '127.0.0.1:99999', '[', '127.0.0.1 x'),
  apiKey: fc.option(printable),
  version: fc.option(printable),
  body,
});

/** True when `text` is an error in the caller's own format for `route`. */
function callerFormat(route: (typeof ROUTES)[number], text: string): boolean {
  let value: { type?: unknown; error?: { type?: unknown; message?: unknown } };
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    return false;
  }
  if (typeof value.error?.message !== 'string' || typeof value.error.type !== 'string') return false;
  return route === '/v1/messages' ? value.type === 'error' : value.type === undefined;
}

describe('fuzzing both ingress routes of a running local server', () => {
  it('never answers 5xx, always errs in the caller’s format, stays alive, moves no breaker', { timeout: 120_000 }, async () => {
    const port = new URL(h.proxy.url).port;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = { host: r.host.includes(':') && !r.host.startsWith('[') ? r.host : `${r.host}:${port}` };
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.apiKey !== null) headers['x-api-key'] = r.apiKey;
        if (r.version !== null) headers['anthropic-version'] = r.version;
        const hasBody = r.method !== 'GET';
        const response = await rawRequest(h.proxy.url, { method: r.method, path: r.route + r.suffix, headers, ...(hasBody ? { body: r.body } : {}) });
        expect(response.status, `${r.method} ${r.route}${r.suffix} → ${response.status} ${response.text.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400) expect(callerFormat(r.route, response.text), `${r.route}: ${response.text.slice(0, 200)}`).toBe(true);
        expect(response.headers['content-type'] === undefined || String(response.headers['content-type']).length > 0).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(crashes).toEqual([]);
    expect((await rawRequest(h.proxy.url, { path: '/healthz' })).status).toBe(200);
    for (const breaker of await h.proxy.breakers.list()) {
      expect(breaker).toMatchObject({ state: 'closed', consecutiveFailures: 0, windowFailures: 0 });
    }
  });
});
