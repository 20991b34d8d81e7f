import { clientError } from '../ir/client-error.ts';
import type { IngressDialect } from '../ir/dialect.ts';
import type { BreakerStore, ForcedMode } from './ports.ts';
import { errorResponse } from './respond.ts';

const MODES: readonly ForcedMode[] = ['open', 'closed', 'auto'];
export const ADMIN_PREFIX = '/admin/breakers';

/**
 * The local server's operator API, used by `npm run breakers -- --url …`:
 * `GET /admin/breakers` lists every breaker; `POST /admin/breakers/<provider>/<model>` with
 * `{"mode":"open"|"closed"|"auto"}` forces one. Lambda never serves it (no caller identity there).
 */
export async function handleAdmin(request: Request, path: string, breakers: BreakerStore, ingress: IngressDialect): Promise<Response> {
  if (path === ADMIN_PREFIX) {
    if (request.method !== 'GET') return errorResponse(ingress, clientError(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; use GET`), { allow: 'GET' });
    return Response.json({ breakers: await breakers.list() });
  }
  if (request.method !== 'POST') return errorResponse(ingress, clientError(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; use POST`), { allow: 'POST' });
  const target = decodeURIComponent(path.slice(ADMIN_PREFIX.length + 1));
  let mode: unknown;
  try {
    mode = ((await request.json()) as { mode?: unknown }).mode;
  } catch {
    mode = undefined;
  }
  if (!MODES.includes(mode as ForcedMode)) {
    return errorResponse(ingress, clientError(400, 'invalid_request', 'the body must be {"mode":"open"|"closed"|"auto"}', { param: 'mode' }));
  }
  await breakers.force(target, mode as ForcedMode);
  return Response.json({ target, forced: mode });
}
