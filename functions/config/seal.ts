import { createHash } from 'node:crypto';
import * as z from 'zod';
import { configSchema, type Config } from './schema.ts';
import { SEAL_FIELD } from './sealed.ts';

let fingerprint: string | undefined;

/**
 * The schema's fingerprint: a hash of its JSON Schema (fields, types, bounds, defaults). Two
 * builds with the same schema agree; a build whose schema differs does not trust the other's
 * seal and validates the document itself.
 */
export function schemaFingerprint(): string {
  fingerprint ??= createHash('sha256')
    .update(JSON.stringify(z.toJSONSchema(configSchema, { unrepresentable: 'any', io: 'input' })))
    .digest('hex')
    .slice(0, 16);
  return fingerprint;
}

/** A validated configuration as the deployed JSON: normalized, sealed with the schema's fingerprint. */
export function sealedJson(config: Config): string {
  return JSON.stringify({ [SEAL_FIELD]: schemaFingerprint(), ...config });
}
