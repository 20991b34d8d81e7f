import { isLoopbackHost } from '../config/resolve.ts';
import { clientError, type ClientError } from '../ir/client-error.ts';

/**
 * The `Host` header, checked. A malformed one (a space, `[`, userinfo, `%00`, a port out of range)
 * is the caller's mistake: 400, never a crash. When the server runs without client keys it answers
 * only to the names it was told to (loopback names and the configured ones): a web page that
 * rebinds its own DNS name to 127.0.0.1 then reaches nothing.
 */

/** `name` or `[v6]`, then an optional port. Percent-encoding, userinfo and spaces never match. */
const HOST = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._~!$&'()*+,;=-]+))(?::(\d{1,5}))?$/;

/** The lower-case host name a Host header names (IPv6 without brackets); undefined when malformed. */
export function parseHost(value: string): string | undefined {
  const match = HOST.exec(value);
  if (!match) return undefined;
  if (match[3] !== undefined && Number(match[3]) > 65_535) return undefined;
  return (match[1] ?? match[2]!).toLowerCase();
}

/** True when the Host header names this machine's loopback (`localhost`, `127.x.y.z`, `[::1]`). */
export function isLoopbackHostHeader(value: string | null): boolean {
  const name = value === null ? undefined : parseHost(value);
  return name !== undefined && isLoopbackHost(name);
}

/**
 * Checks a request's Host header. `allowed` (the keyless server's names) adds the rule that the
 * Host must be loopback or one of them; without it only the syntax is checked.
 */
export function checkHost(value: string | null, allowed?: ReadonlySet<string>): ClientError | undefined {
  if (value === null) {
    return allowed ? clientError(400, 'invalid_request', 'a Host header is required') : undefined;
  }
  const name = parseHost(value);
  if (name === undefined) return clientError(400, 'invalid_request', 'the Host header is malformed');
  if (!allowed || isLoopbackHost(name) || allowed.has(name)) return undefined;
  return clientError(403, 'permission', 'this proxy does not answer to that host name (it runs without keys: loopback names only, or --allowed-hosts)', {
    code: 'host_not_allowed',
  });
}
