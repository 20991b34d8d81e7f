import { clientError, type ClientError } from '../ir/client-error.ts';
import type { CompiledConfig, ResolvedAlias } from './compiled-config.ts';

export type AliasLookup = { ok: true; alias: ResolvedAlias } | { ok: false; error: ClientError; exhausted?: boolean };

/**
 * The alias a request names, checked for this route: it exists (404 `model_not_found`), the key may
 * use it (403), it serves this kind of request (400: a chat alias cannot embed, an embeddings alias
 * cannot chat), and it has a usable target (503).
 */
export function lookupAlias(compiled: CompiledConfig, name: string, kind: ResolvedAlias['kind'], allowed: string[] | undefined): AliasLookup {
  const alias = compiled.aliases.get(name);
  if (!alias) {
    const known = [...compiled.aliases.values()].filter((a) => a.kind === kind).map((a) => a.name);
    return { ok: false, error: clientError(404, 'not_found', `the model "${name}" does not exist; known aliases: ${known.join(', ')}`, { code: 'model_not_found', param: 'model' }) };
  }
  if (allowed && !allowed.includes(alias.name)) {
    return { ok: false, error: clientError(403, 'permission', `this API key may not use the model "${name}"`, { param: 'model' }) };
  }
  if (alias.kind !== kind) {
    return { ok: false, error: clientError(400, 'invalid_request', `the alias "${name}" is of kind "${alias.kind}", not "${kind}"`, { param: 'model' }) };
  }
  if (alias.targets.length === 0) {
    return { ok: false, error: clientError(503, 'overloaded', `alias "${alias.name}" has no usable target (check the provider keys)`, { retryAfterSec: 60 }), exhausted: true };
  }
  return { ok: true, alias };
}

/** The `Alias` a request's log line and metrics carry when it names no configured alias. */
export const UNKNOWN_ALIAS = '(unknown)';

/**
 * The alias fields of a request record: a configured alias by name; anything else as one
 * `(unknown)` value, so a caller inventing model names cannot mint metric dimensions, with what it
 * asked for kept (bounded by the telemetry adapters) in `requestedModel` for the log line.
 */
export function recordedAlias(compiled: CompiledConfig, name: string): { alias: string; requestedModel?: string } {
  return compiled.aliases.has(name) ? { alias: name } : { alias: UNKNOWN_ALIAS, requestedModel: name };
}
