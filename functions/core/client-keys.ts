import type { HeaderReader } from './exchange.ts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { clientError } from '../ir/client-error.ts';
import type { Authorization } from './proxy.ts';

/**
 * Proxy (client) API keys: `us_<id>_<secret>`, id 8 hex characters, secret 32 random bytes in
 * base64url. Only a record with the SHA-256 of the whole key is stored, never the key. The id
 * finds the record without trying every hash; the hash comparison is constant-time.
 */

export const CLIENT_KEY_PREFIX = 'us';
const KEY_PATTERN = /^us_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** What is stored for one client key (as JSON, under `<keysPath>/clients/<id>`). */
export interface ClientKeyRecord {
  name: string;
  /** SHA-256 of the whole key, lowercase hex. */
  hash: string;
  /** When present, the only aliases this key may call. */
  aliases?: string[];
  /** ISO 8601 creation time. */
  created: string;
}

/** A fresh key and its id (the caller stores only `hashClientKey(key)`). */
export function generateClientKey(random: (size: number) => Uint8Array = randomBytes): { id: string; key: string } {
  const id = Buffer.from(random(4)).toString('hex');
  const secret = Buffer.from(random(32)).toString('base64url');
  return { id, key: `${CLIENT_KEY_PREFIX}_${id}_${secret}` };
}

/** The id of a well-formed key; undefined for anything else. */
export function clientKeyId(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

export function hashClientKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Builds the record to store for a new key. */
export function clientKeyRecord(key: string, name: string, aliases: string[] | undefined, created: Date): ClientKeyRecord {
  return { name, hash: hashClientKey(key), ...(aliases && aliases.length > 0 ? { aliases } : {}), created: created.toISOString() };
}

/** Parses a stored record; undefined when it is not one (treated as no key at all). */
export function parseClientKeyRecord(text: string): ClientKeyRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.name !== 'string' || typeof r.hash !== 'string' || typeof r.created !== 'string') return undefined;
  if (r.aliases !== undefined && !(Array.isArray(r.aliases) && r.aliases.every((a) => typeof a === 'string'))) return undefined;
  return { name: r.name, hash: r.hash.toLowerCase(), created: r.created, ...(r.aliases ? { aliases: r.aliases as string[] } : {}) };
}

/** True when `key` hashes to `record.hash`, compared in constant time. */
export function keyMatches(key: string, record: ClientKeyRecord): boolean {
  if (!HASH_PATTERN.test(record.hash)) return false;
  const expected = Buffer.from(record.hash, 'hex');
  const actual = createHash('sha256').update(key, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The key a client presented: `Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key` (Anthropic SDKs). */
export function presentedKey(headers: HeaderReader): string | undefined {
  const apiKey = headers.get('x-api-key')?.trim();
  if (apiKey) return apiKey;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1];
}

/** What a key store knows about one id. `unavailable`: it cannot tell right now (SSM down). */
export type KeyLookup = { status: 'found'; record: ClientKeyRecord } | { status: 'unknown' } | { status: 'unavailable' };

export interface ClientKeyStore {
  lookup(id: string): KeyLookup | Promise<KeyLookup>;
}

const missing = clientError(401, 'authentication', 'Missing API key: send the Understudy key as "Authorization: Bearer <key>" or "x-api-key: <key>".', { code: 'missing_api_key' });
const invalid = clientError(401, 'authentication', 'Invalid API key.', { code: 'invalid_api_key' });
const unavailable = clientError(503, 'api_error', 'The API key cannot be verified right now; try again shortly.', { retryAfterSec: 5 });

/**
 * The proxy's `authorize` dependency over a key store. A missing, malformed, unknown or wrong key
 * is a 401 that never echoes the key; a store that cannot answer is a 503 (not a 401, which would
 * tell a client with a good key to give up). Both headers are accepted for either dialect.
 */
export function createAuthorize(store: ClientKeyStore): (headers: HeaderReader, dialect: 'openai' | 'anthropic') => Promise<Authorization> {
  return async (headers) => {
    const key = presentedKey(headers);
    if (!key) return { ok: false, error: missing };
    const id = clientKeyId(key);
    if (!id) return { ok: false, error: invalid };
    const found = await store.lookup(id);
    if (found.status === 'unavailable') return { ok: false, error: unavailable };
    if (found.status === 'unknown' || !keyMatches(key, found.record)) return { ok: false, error: invalid };
    const keyName = found.record.name;
    return found.record.aliases ? { ok: true, keyId: id, keyName, aliases: found.record.aliases } : { ok: true, keyId: id, keyName };
  };
}

/** A fixed set of records by id (tests, the local server). */
export function staticKeys(records: Record<string, ClientKeyRecord> | ReadonlyArray<ClientKeyRecord & { id: string }>): ClientKeyStore {
  const byId = new Map<string, ClientKeyRecord>(Array.isArray(records) ? records.map((r) => [r.id, r] as const) : Object.entries(records));
  return {
    lookup(id) {
      const record = byId.get(id);
      return record ? { status: 'found', record } : { status: 'unknown' };
    },
  };
}
