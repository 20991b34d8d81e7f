import type { Config } from '../config/schema.ts';
import { clientError } from '../ir/client-error.ts';
import type { IngressDialect } from '../ir/dialect.ts';
import { jsonResponse, type ProxyRequest, type ProxyResponse } from './exchange.ts';
import type { OperatorAccess } from './operator-auth.ts';
import type { BudgetStatus } from './budgets/budgets.ts';
import type { BreakerStore, ForcedMode } from './ports.ts';
import { movedSecrets } from './secret-destinations.ts';
import { errorResponse } from './respond.ts';

const MODES: readonly ForcedMode[] = ['open', 'closed', 'auto'];
export const ADMIN_PREFIX = '/admin';
const BREAKERS = '/admin/breakers';
const CONFIG = '/admin/config';
const BUDGETS = '/admin/budgets';
/** An operator document is small; the bound keeps a stray upload from filling memory. */
const MAX_ADMIN_BODY_BYTES = 1024 * 1024;

/** What replacing the running configuration gave: applied (with the operator warnings), or why not. */
export type ConfigReplaced = { ok: true; warnings: string[] } | { ok: false; errors: string[]; forbidden?: boolean };

/** Refuses a valid document for a reason beyond its validity (a secret aimed at a new host). */
export type ConfigGuard = (current: Config, next: Config) => string | undefined;

/** The running configuration of the local server: readable, and replaceable in memory only. */
export interface RunningConfig {
  current(): Config;
  /** Validates the whole document, asks `guard`, and swaps it in, or changes nothing. */
  replace(document: unknown, guard?: ConfigGuard): Promise<ConfigReplaced>;
}

/** Who is asking: the operator check's verdict (core/operator-auth.ts). */
type Operator = Extract<OperatorAccess, { ok: true }>['via'];

/**
 * The local server's operator API (Lambda never serves it: it has SSM and DynamoDB for that).
 * - `GET /admin/breakers` lists every breaker; `POST /admin/breakers/<provider>/<model>` with
 *   `{"mode":"open"|"closed"|"auto"}` forces one (`npm run breakers -- --url …`).
 * - `GET /admin/config` returns the configuration in force; `PUT /admin/config` replaces it in
 *   memory, the way a push to SSM replaces the deployed one (`npm run drill` uses both). The file
 *   on disk is never written, so a restart always comes back to it.
 * - `GET /admin/budgets` lists every budget's spend in its current period (`npm run budgets -- --url …`).
 */
export async function handleAdmin(
  request: ProxyRequest,
  path: string,
  deps: { breakers: BreakerStore; config: RunningConfig; operator: Operator; budgets?: () => Promise<BudgetStatus[]> },
  ingress: IngressDialect,
): Promise<ProxyResponse> {
  if (path === CONFIG) return handleConfig(request, deps.config, deps.operator, ingress);
  if (path === BUDGETS && deps.budgets) {
    if (request.method !== 'GET') return notAllowed(request, path, 'GET', ingress);
    return jsonResponse(200, { budgets: await deps.budgets() });
  }
  if (path === BREAKERS) {
    if (request.method !== 'GET') return notAllowed(request, path, 'GET', ingress);
    return jsonResponse(200, { breakers: await deps.breakers.list() });
  }
  if (!path.startsWith(`${BREAKERS}/`)) return errorResponse(ingress, clientError(404, 'not_found', `no route for ${request.method} ${path}`));
  if (request.method !== 'POST') return notAllowed(request, path, 'POST', ingress);
  const target = decodePath(path.slice(BREAKERS.length + 1));
  if (target === undefined) return errorResponse(ingress, clientError(400, 'invalid_request', 'the breaker name in the path is not valid percent-encoding'));
  const mode = ((await readJson(request)) as { mode?: unknown } | undefined)?.mode;
  if (!MODES.includes(mode as ForcedMode)) {
    return errorResponse(ingress, clientError(400, 'invalid_request', 'the body must be {"mode":"open"|"closed"|"auto"}', { param: 'mode' }));
  }
  await deps.breakers.force(target, mode as ForcedMode);
  return jsonResponse(200, { target, forced: mode });
}

async function handleConfig(request: ProxyRequest, config: RunningConfig, operator: Operator, ingress: IngressDialect): Promise<ProxyResponse> {
  if (request.method === 'GET') return jsonResponse(200, { config: config.current() });
  if (request.method !== 'PUT') return notAllowed(request, CONFIG, 'GET, PUT', ingress);
  const document = await readJson(request);
  if (document === undefined) return errorResponse(ingress, clientError(400, 'invalid_request', 'the body must be a configuration document in JSON'));
  // Loopback alone may tune everything but where a secret goes: that takes the admin key.
  const replaced = await config.replace(document, operator === 'admin-key' ? undefined : secretsStay);
  if (!replaced.ok) {
    const status = replaced.forbidden ? 403 : 400;
    return errorResponse(ingress, clientError(status, status === 403 ? 'permission' : 'invalid_request', `configuration rejected, nothing changed: ${replaced.errors.join('; ')}`));
  }
  return jsonResponse(200, { applied: true, warnings: replaced.warnings });
}

const secretsStay: ConfigGuard = (current, next) => {
  const moved = movedSecrets(current, next);
  if (moved.length === 0) return undefined;
  return `it would send a secret where the running configuration does not (${moved.join(', ')}); that needs the admin key (UNDERSTUDY_ADMIN_KEY)`;
};

function decodePath(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function notAllowed(request: ProxyRequest, path: string, allow: string, ingress: IngressDialect): ProxyResponse {
  return errorResponse(ingress, clientError(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; use ${allow}`), { allow });
}

async function readJson(request: ProxyRequest): Promise<unknown> {
  try {
    const body = await request.readBody(MAX_ADMIN_BODY_BYTES);
    return body.ok ? JSON.parse(body.bytes.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}
