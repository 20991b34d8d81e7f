import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../functions/config/load.ts';
import type { Config } from '../../functions/config/schema.ts';
import { clientKeyRecord, createAuthorize, generateClientKey, staticKeys } from '../../functions/core/client-keys.ts';
import { authorizeOperator, generateAdminKey, hashAdminKey } from '../../functions/core/operator-auth.ts';
import { movedSecrets } from '../../functions/core/secret-destinations.ts';
import { openaiTextFrames, startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { startProxy, type Harness } from '../support/proxy-harness.ts';
import { rawRequest } from '../support/raw-http.ts';
import { onCleanup, useCleanups } from '../support/cleanups.ts';

/**
 * Issue 13 §1 and §3: the operator routes take the operator credential, which client keys never
 * carry; a pushed configuration cannot aim a secret at a new host without the admin key; a keyless
 * server answers only to the host names it was told to, and its admin routes only to JSON.
 */

useCleanups();

async function provider(): Promise<FakeProvider> {
  const p = await startFakeProvider(() => ({ kind: 'sse', frames: openaiTextFrames(['ok']) }));
  onCleanup(() => p.close());
  return p;
}

async function setUp(server: NonNullable<Parameters<typeof startProxy>[1]>['server'] = {}) {
  const p1 = await provider();
  const document = {
    providers: { p1: { kind: 'openai', baseUrl: p1.baseUrl, apiKey: 'env:TEST_KEY' } },
    aliases: { 'default-model': { targets: [{ provider: 'p1', model: 'm1' }] }, other: { targets: [{ provider: 'p1', model: 'm2' }] } },
  };
  const h: Harness = await startProxy(document, { server });
  onCleanup(() => h.close());
  return { h, document, p1 };
}

const json = { 'content-type': 'application/json' };
const chat = JSON.stringify({ model: 'default-model', messages: [{ role: 'user', content: 'hi' }] });

function clientKey(aliases: string[]) {
  const { id, key } = generateClientKey();
  return { key, authorize: createAuthorize(staticKeys([{ id, ...clientKeyRecord(key, 'restricted', aliases, new Date()) }])) };
}

describe('operator routes with an admin key', () => {
  it('refuse a restricted client key on every admin route, and take the admin key', async () => {
    const adminKey = generateAdminKey();
    const client = clientKey(['default-model']);
    const { h, document } = await setUp({ authorize: client.authorize, adminKey });
    const asClient = { ...json, authorization: `Bearer ${client.key}` };
    // The client key still serves its alias …
    expect((await rawRequest(h.proxy.url, { method: 'POST', path: '/v1/chat/completions', headers: asClient, body: chat })).status).toBe(200);
    // … and opens no operator route.
    const reads = await rawRequest(h.proxy.url, { path: '/admin/config', headers: asClient });
    expect(reads.status).toBe(401);
    expect(JSON.parse(reads.text)).toMatchObject({ error: { code: 'invalid_admin_key' } });
    const push = await rawRequest(h.proxy.url, { method: 'PUT', path: '/admin/config', headers: asClient, body: JSON.stringify(document) });
    expect(push.status).toBe(401);
    const force = await rawRequest(h.proxy.url, { method: 'POST', path: '/admin/breakers/p1/m2', headers: asClient, body: '{"mode":"open"}' });
    expect(force.status).toBe(401);
    expect((await rawRequest(h.proxy.url, { path: '/admin/breakers' })).status).toBe(401);
    expect(await h.proxy.breakers.list()).not.toContainEqual(expect.objectContaining({ target: 'p1/m2', forced: 'open' }));

    const asOperator = { ...json, authorization: `Bearer ${adminKey}` };
    expect((await rawRequest(h.proxy.url, { path: '/admin/config', headers: asOperator })).status).toBe(200);
    const forced = await rawRequest(h.proxy.url, { method: 'POST', path: '/admin/breakers/p1/m2', headers: asOperator, body: '{"mode":"open"}' });
    expect(forced.status).toBe(200);
    // The admin key is no client key: it serves no alias.
    expect((await rawRequest(h.proxy.url, { method: 'POST', path: '/v1/chat/completions', headers: asOperator, body: chat })).status).toBe(401);
  });

  it('lets the admin key aim a key at a new host: the operator’s own choice', async () => {
    const adminKey = generateAdminKey();
    const { h, document } = await setUp({ adminKey });
    const elsewhere = await provider();
    const moved = structuredClone(document);
    moved.providers.p1.baseUrl = elsewhere.baseUrl;
    const put = await rawRequest(h.proxy.url, { method: 'PUT', path: '/admin/config', headers: { ...json, authorization: `Bearer ${adminKey}` }, body: JSON.stringify(moved) });
    expect(put.status).toBe(200);
    expect(h.proxy.compiled.config.providers.p1?.baseUrl).toBe(elsewhere.baseUrl);
  });
});

describe('operator routes without an admin key (loopback only)', () => {
  it('refuse a config that would send an existing or unused secret to a new host, and change nothing', async () => {
    const { h, document, p1 } = await setUp();
    const attacker = await provider();
    const attempts = [
      (d: typeof document) => void (d.providers.p1.baseUrl = attacker.baseUrl),
      (d: typeof document) => void Object.assign(d.providers, { evil: { kind: 'openai', baseUrl: attacker.baseUrl, apiKey: 'env:TEST_KEY' } }),
      (d: typeof document) => void Object.assign(d.providers, { evil: { kind: 'openai', baseUrl: attacker.baseUrl, apiKey: 'env:HOME' } }),
    ];
    for (const change of attempts) {
      const next = structuredClone(document);
      change(next);
      const put = await rawRequest(h.proxy.url, { method: 'PUT', path: '/admin/config', headers: json, body: JSON.stringify(next) });
      expect(put.status).toBe(403);
      expect(JSON.parse(put.text).error.message).toContain('admin key');
    }
    expect(h.proxy.compiled.config.providers.p1?.baseUrl).toBe(p1.baseUrl);
    expect(Object.keys(h.proxy.compiled.config.providers)).toEqual(['p1']);
    expect(attacker.requests).toHaveLength(0);

    const tuned = structuredClone(document) as typeof document & { policy: unknown };
    tuned.policy = { maxAttempts: 2 };
    expect((await rawRequest(h.proxy.url, { method: 'PUT', path: '/admin/config', headers: json, body: JSON.stringify(tuned) })).status).toBe(200);
  });

  it('refuse a cross-site text/plain POST or PUT (no CORS preflight), and a page that rebound its DNS name', async () => {
    const { h, document } = await setUp();
    const plain = { 'content-type': 'text/plain' };
    expect((await rawRequest(h.proxy.url, { method: 'POST', path: '/admin/breakers/p1/m1', headers: plain, body: '{"mode":"open"}' })).status).toBe(415);
    expect((await rawRequest(h.proxy.url, { method: 'PUT', path: '/admin/config', headers: plain, body: JSON.stringify(document) })).status).toBe(415);
    expect(await h.proxy.breakers.list()).not.toContainEqual(expect.objectContaining({ forced: 'open' }));
    const port = new URL(h.proxy.url).port;
    const rebound = await rawRequest(h.proxy.url, { path: '/admin/config', headers: { host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.text).not.toContain('providers');
    const viaLocalhost = await rawRequest(h.proxy.url, { path: '/admin/config', headers: { host: `localhost:${port}` } });
    expect(viaLocalhost.status).toBe(200);
  });

  it('answer 400, not 500, to a breaker name with bad percent-encoding', async () => {
    const { h } = await setUp();
    const response = await rawRequest(h.proxy.url, { method: 'POST', path: '/admin/breakers/%E0%A4%A', headers: json, body: '{"mode":"open"}' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

describe('a keyless server answers only to its own host names', () => {
  it('refuses another Host on the inference routes in the caller’s format, accepts loopback names and configured ones', async () => {
    const { h } = await setUp({ allowedHosts: ['understudy.internal'] });
    const port = new URL(h.proxy.url).port;
    const post = (host: string, path = '/v1/chat/completions') => rawRequest(h.proxy.url, { method: 'POST', path, headers: { ...json, host }, body: chat });
    const openai = await post(`rebind.attacker.example:${port}`);
    expect(openai.status).toBe(403);
    expect(JSON.parse(openai.text)).toMatchObject({ error: { code: 'host_not_allowed' } });
    const anthropic = await post('rebind.attacker.example', '/v1/messages');
    expect(JSON.parse(anthropic.text)).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    expect((await post(`127.0.0.1:${port}`)).status).toBe(200);
    expect((await post(`localhost:${port}`)).status).toBe(200);
    expect((await post(`understudy.internal:${port}`)).status).toBe(200);
  });

  it('answers any well-formed Host when client keys are on (the key is the credential)', async () => {
    const client = clientKey([]);
    const { h } = await setUp({ authorize: client.authorize });
    const response = await rawRequest(h.proxy.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...json, host: 'proxy.example.com', authorization: `Bearer ${client.key}` },
      body: chat,
    });
    expect(response.status).toBe(200);
  });
});

describe('authorizeOperator (the one check /admin and /status share)', () => {
  const get = (headers: Record<string, string>) => new Request('http://localhost/admin/config', { headers });
  it('without an admin key: loopback peer and loopback Host only', () => {
    expect(authorizeOperator(get({ host: '127.0.0.1:8787' }), {}, '127.0.0.1')).toEqual({ ok: true, via: 'loopback' });
    expect(authorizeOperator(get({ host: '[::1]:8787' }), {}, '::ffff:127.0.0.1')).toEqual({ ok: true, via: 'loopback' });
    expect(authorizeOperator(get({ host: '127.0.0.1:8787' }), {}, '10.0.0.7')).toMatchObject({ ok: false, error: { status: 403 } });
    expect(authorizeOperator(get({ host: '127.0.0.1:8787' }), {}, undefined)).toMatchObject({ ok: false, error: { status: 403 } });
    expect(authorizeOperator(get({ host: 'evil.example' }), {}, '127.0.0.1')).toMatchObject({ ok: false, error: { status: 403 } });
  });

  it('with an admin key: that key from anywhere, nothing else (a client key, loopback alone)', () => {
    const key = generateAdminKey();
    const policy = { adminKeyHash: hashAdminKey(key) };
    expect(authorizeOperator(get({ authorization: `Bearer ${key}` }), policy, '203.0.113.9')).toEqual({ ok: true, via: 'admin-key' });
    expect(authorizeOperator(get({ 'x-api-key': key }), policy, undefined)).toEqual({ ok: true, via: 'admin-key' });
    expect(authorizeOperator(get({ host: 'localhost' }), policy, '127.0.0.1')).toMatchObject({ ok: false, error: { status: 401 } });
    expect(authorizeOperator(get({ authorization: `Bearer ${generateClientKey().key}` }), policy, '127.0.0.1')).toMatchObject({ ok: false, error: { status: 401 } });
    expect(authorizeOperator(get({ authorization: `Bearer ${generateAdminKey()}` }), policy, '127.0.0.1')).toMatchObject({ ok: false, error: { status: 401 } });
  });
});

describe('movedSecrets', () => {
  const config = (providers: Record<string, unknown>): Config => {
    const result = validateConfig({ providers, aliases: { a: { targets: [{ provider: Object.keys(providers)[0], model: 'm' }] } } });
    if (!result.ok) throw new Error(result.errors.join('; '));
    return result.config;
  };
  it('names a key sent to a new origin, a new reference, and Bedrock moved to another region', () => {
    const current = config({ o: { kind: 'openai', apiKey: 'env:OPENAI_API_KEY' }, b: { kind: 'bedrock', region: 'us-east-1' } });
    expect(movedSecrets(current, current)).toEqual([]);
    expect(movedSecrets(current, config({ o: { kind: 'openai', apiKey: 'env:OPENAI_API_KEY', baseUrl: 'https://api.openai.com/v2' }, b: { kind: 'bedrock', region: 'us-east-1' } }))).toEqual([]);
    expect(movedSecrets(current, config({ o: { kind: 'openai', apiKey: 'env:OPENAI_API_KEY', baseUrl: 'https://evil.example/v1' } }))).toEqual([
      'env:OPENAI_API_KEY → https://evil.example',
    ]);
    expect(movedSecrets(current, config({ o: { kind: 'groq', apiKey: 'env:OPENAI_API_KEY' } }))).toEqual(['env:OPENAI_API_KEY → https://api.groq.com']);
    expect(movedSecrets(current, config({ b: { kind: 'bedrock', region: 'eu-west-1' } }))).toEqual(['aws:credentials → bedrock eu-west-1']);
    expect(movedSecrets(current, config({ o: { kind: 'ollama' } }))).toEqual([]);
  });
});
