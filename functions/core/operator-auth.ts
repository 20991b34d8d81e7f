import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from '../config/resolve.ts';
import { clientError, type ClientError } from '../ir/client-error.ts';
import { presentedKey } from './client-keys.ts';
import { isLoopbackHostHeader } from './host-check.ts';

/**
 * The operator credential: what the operator routes (`/admin/…` locally, `/status` when deployed)
 * ask for, and what a client (proxy) key never carries.
 *
 * - With an admin key set (`UNDERSTUDY_ADMIN_KEY` locally; its SHA-256 only ever reaches the core):
 *   the request must present it (`Authorization: Bearer usa_…` or `x-api-key`), from anywhere.
 * - Without one: only from a loopback peer with a loopback `Host` (no remote caller, no page that
 *   rebound its DNS name to 127.0.0.1).
 * - Either way a request that changes something must be `application/json`: a browser cannot send
 *   that cross-site without a CORS preflight, which the proxy never grants.
 */

/** Admin keys: `usa_` and 32 random bytes in base64url. Client keys (`us_<id>_…`) never match. */
const ADMIN_KEY = /^usa_[A-Za-z0-9_-]{43}$/;
const HASH = /^[0-9a-f]{64}$/;
const READ_METHODS = new Set(['GET', 'HEAD']);

/** What the check reads of a request: its method and headers (a Web Request fits). */
export interface OperatorRequest {
  method: string;
  headers: { get(name: string): string | null };
}

/** How operators are recognised. */
export interface OperatorPolicy {
  /** SHA-256 (hex) of the admin key. Absent: loopback only. */
  adminKeyHash?: string;
  /**
   * Set when the admin key's hash could not be had (the deployed function: no parameter stored, or
   * SSM failing): every operator request is refused with this, whatever it carries. Never open.
   */
  unavailable?: { status: 403 | 503; message: string };
}

/** A fixed policy (the local server) or one read when an operator route is asked for (Lambda, from SSM). */
export type OperatorPolicySource = OperatorPolicy | (() => Promise<OperatorPolicy>);

export async function resolveOperatorPolicy(source: OperatorPolicySource | undefined): Promise<OperatorPolicy> {
  return typeof source === 'function' ? source() : (source ?? {});
}

/** `admin-key`: the operator's own choice in everything; `loopback`: anything but re-aiming a secret. */
export type OperatorAccess = { ok: true; via: 'admin-key' | 'loopback' } | { ok: false; error: ClientError };

export function generateAdminKey(random: (size: number) => Uint8Array = randomBytes): string {
  return `usa_${Buffer.from(random(32)).toString('base64url')}`;
}

export function isAdminKey(key: string): boolean {
  return ADMIN_KEY.test(key);
}

export function hashAdminKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms: the address a socket came from. */
export function isLoopbackPeer(address: string | undefined): boolean {
  return address !== undefined && isLoopbackHost(address.replace(/^::ffff:/i, ''));
}

/**
 * The one operator check. `peer` is the remote address of the connection (the local server gives
 * it; Lambda has none, so there the admin key is the only way in).
 */
export function authorizeOperator(request: OperatorRequest, policy: OperatorPolicy, peer: string | undefined): OperatorAccess {
  if (!READ_METHODS.has(request.method) && !isJson(request.headers.get('content-type'))) {
    return refuse(415, 'invalid_request', 'operator requests that change something must be sent as content-type: application/json', 'unsupported_media_type');
  }
  if (policy.unavailable) {
    const { status, message } = policy.unavailable;
    return status === 503 ? refuse(503, 'api_error', message, 'operator_key_unavailable') : refuse(403, 'permission', message, 'operator_key_missing');
  }
  const expected = policy.adminKeyHash?.toLowerCase();
  if (expected !== undefined) {
    const key = presentedKey(request.headers);
    if (!key) return refuse(401, 'authentication', 'this route needs the operator (admin) key: "Authorization: Bearer usa_…"', 'missing_admin_key');
    if (!isAdminKey(key) || !HASH.test(expected) || !sameHash(hashAdminKey(key), expected)) return refuse(401, 'authentication', 'Invalid admin key.', 'invalid_admin_key');
    return { ok: true, via: 'admin-key' };
  }
  if (isLoopbackPeer(peer) && isLoopbackHostHeader(request.headers.get('host'))) return { ok: true, via: 'loopback' };
  return refuse(403, 'permission', 'operator routes answer only on loopback (127.0.0.1 with a loopback Host) unless an admin key is set (UNDERSTUDY_ADMIN_KEY)', 'operator_only');
}

function refuse(status: number, type: ClientError['type'], message: string, code: string): OperatorAccess {
  return { ok: false, error: clientError(status, type, message, { code }) };
}

function isJson(contentType: string | null): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
