import type { Config } from './schema.ts';

/**
 * A deployed configuration document is validated and normalized (defaults filled in) where it is
 * written — at synth, by `npm run config push`, by the drill — and sealed there with the
 * fingerprint of the schema that did it (seal.ts). The running functions trust a document whose
 * seal matches their own schema's without loading the schema (zod is most of the Lambda bundle and
 * of its start); any other document goes through the full validation, loaded on demand.
 *
 * The check here is deliberately light: the seal, and the top-level shape every Config has. It
 * knows nothing of the fields, so adding one to the schema never touches it.
 */
export const SEAL_FIELD = '$understudy';

export function sealOf(document: unknown): string | undefined {
  return isObject(document) && typeof document[SEAL_FIELD] === 'string' ? document[SEAL_FIELD] : undefined;
}

/** The document without its seal (what the schema validates). */
export function withoutSeal(document: unknown): unknown {
  if (!isObject(document) || !(SEAL_FIELD in document)) return document;
  const { [SEAL_FIELD]: _seal, ...rest } = document;
  return rest;
}

/**
 * The configuration of a document sealed with `expected` (with any seal when `expected` is not
 * given: the bundled copy, built with this very code), or undefined when it must be validated.
 */
export function unseal(document: unknown, expected?: string): Config | undefined {
  const seal = sealOf(document);
  if (seal === undefined || (expected !== undefined && seal !== expected)) return undefined;
  const config = withoutSeal(document) as Record<string, unknown>;
  if (!isObject(config.providers) || !isObject(config.aliases) || !isObject(config.policy) || !isObject(config.limits)) return undefined;
  return config as unknown as Config;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
