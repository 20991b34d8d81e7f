import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  clientKeyId,
  clientKeyRecord,
  createAuthorize,
  generateClientKey,
  hashClientKey,
  parseClientKeyRecord,
  presentedKey,
  staticKeys,
  type ClientKeyStore,
} from '../../functions/core/client-keys.ts';

const created = new Date('2026-01-02T03:04:05Z');

function setup(aliases?: string[]) {
  const { id, key } = generateClientKey();
  const store = staticKeys([{ id, ...clientKeyRecord(key, 'team-a', aliases, created) }]);
  return { id, key, authorize: createAuthorize(store) };
}

describe('client keys', () => {
  it('generates us_<8 hex>_<43 base64url> keys that differ each time', () => {
    const a = generateClientKey();
    const b = generateClientKey();
    expect(a.key).toMatch(/^us_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(clientKeyId(a.key)).toBe(a.id);
  });

  it('a record holds the sha256 of the whole key, never the key', () => {
    const { key } = generateClientKey();
    const record = clientKeyRecord(key, 'ci', ['fast'], created);
    expect(record).toEqual({ name: 'ci', hash: createHash('sha256').update(key).digest('hex'), aliases: ['fast'], created: '2026-01-02T03:04:05.000Z' });
    expect(JSON.stringify(record)).not.toContain(key.slice(12));
    expect(parseClientKeyRecord(JSON.stringify(record))).toEqual(record);
    expect(parseClientKeyRecord('{"name":1}')).toBeUndefined();
    expect(parseClientKeyRecord('not json')).toBeUndefined();
  });

  it('accepts the key as a Bearer token (OpenAI) or x-api-key (Anthropic), for either dialect', async () => {
    const { id, key, authorize } = setup();
    expect(await authorize(new Headers({ authorization: `Bearer ${key}` }), 'openai')).toEqual({ ok: true, keyId: id, keyName: 'team-a' });
    expect(await authorize(new Headers({ 'x-api-key': key }), 'anthropic')).toEqual({ ok: true, keyId: id, keyName: 'team-a' });
    expect(await authorize(new Headers({ 'x-api-key': key }), 'openai')).toEqual({ ok: true, keyId: id, keyName: 'team-a' });
    expect(await authorize(new Headers({ authorization: `bearer ${key}` }), 'anthropic')).toEqual({ ok: true, keyId: id, keyName: 'team-a' });
  });

  it('a missing key is a 401 that says how to send one', async () => {
    const { authorize } = setup();
    const result = await authorize(new Headers(), 'openai');
    expect(result).toMatchObject({ ok: false, error: { status: 401, type: 'authentication', code: 'missing_api_key' } });
    expect(result.ok ? '' : result.error.message).toContain('Authorization: Bearer');
  });

  it('a wrong secret under a real id, a malformed key and an unknown id are all a 401 that never echoes the key', async () => {
    const { id, key, authorize } = setup();
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    const wrong = [`${key.slice(0, -1)}${last}`, `us_${id}_short`, key.replace(id, id === '00000000' ? '11111111' : '00000000'), 'sk-openai-style', `${key}x`];
    for (const presented of wrong) {
      const result = await authorize(new Headers({ authorization: `Bearer ${presented}` }), 'openai');
      expect(result, presented).toMatchObject({ ok: false, error: { status: 401, type: 'authentication', code: 'invalid_api_key' } });
      expect(JSON.stringify(result)).not.toContain(presented);
    }
  });

  it('a record whose hash is not a sha256 refuses every key instead of throwing', async () => {
    const { id, key } = generateClientKey();
    for (const hash of ['', 'abcd', hashClientKey(key).slice(0, 62), `${hashClientKey(key)}00`, 'z'.repeat(64)]) {
      const authorize = createAuthorize(staticKeys({ [id]: { name: 'n', hash, created: created.toISOString() } }));
      expect(await authorize(new Headers({ 'x-api-key': key }), 'anthropic'), hash).toMatchObject({ ok: false, error: { status: 401 } });
    }
  });

  it('accepts a stored hash in upper case (compared as bytes, not text)', async () => {
    const { id, key } = generateClientKey();
    const record = parseClientKeyRecord(JSON.stringify({ name: 'n', hash: hashClientKey(key).toUpperCase(), created: created.toISOString() }));
    const authorize = createAuthorize(staticKeys({ [id]: record! }));
    expect(await authorize(new Headers({ 'x-api-key': key }), 'anthropic')).toEqual({ ok: true, keyId: id, keyName: 'n' });
  });

  it('a key limited to aliases returns them for the proxy to enforce', async () => {
    const { id, key, authorize } = setup(['fast', 'cheap']);
    expect(await authorize(new Headers({ authorization: `Bearer ${key}` }), 'openai')).toEqual({ ok: true, keyId: id, keyName: 'team-a', aliases: ['fast', 'cheap'] });
  });

  it('a store that cannot answer is a 503, not a 401', async () => {
    const { key } = generateClientKey();
    const down: ClientKeyStore = { lookup: () => ({ status: 'unavailable' }) };
    expect(await createAuthorize(down)(new Headers({ 'x-api-key': key }), 'anthropic')).toMatchObject({ ok: false, error: { status: 503 } });
  });

  it('prefers x-api-key over Authorization and ignores non-Bearer schemes', () => {
    expect(presentedKey(new Headers({ 'x-api-key': 'a', authorization: 'Bearer b' }))).toBe('a');
    expect(presentedKey(new Headers({ authorization: 'Basic Zm9vOmJhcg==' }))).toBeUndefined();
    expect(presentedKey(new Headers({ 'x-api-key': '   ' }))).toBeUndefined();
  });
});
