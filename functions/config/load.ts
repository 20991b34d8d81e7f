import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { withoutSeal } from './sealed.ts';

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/** Validates a parsed document; every error names its path (`aliases.x.targets[1].provider: …`). */
export function validateConfig(sealed: unknown): ConfigResult {
  const document = withoutSeal(sealed);
  const result = configSchema.safeParse(document);
  const errors = result.success ? [] : result.error.issues.map(formatIssue);
  // Cross-references are checked on the raw document so they are reported even when another
  // part of the document fails its schema.
  errors.push(...unknownProviders(document));
  if (result.success && errors.length === 0) return { ok: true, config: result.data };
  return { ok: false, errors };
}

function unknownProviders(document: unknown): string[] {
  const doc = document as { providers?: unknown; aliases?: unknown } | null;
  if (!doc || typeof doc !== 'object' || !doc.aliases || typeof doc.aliases !== 'object') return [];
  const known = doc.providers && typeof doc.providers === 'object' ? Object.keys(doc.providers) : [];
  const errors: string[] = [];
  for (const [alias, value] of Object.entries(doc.aliases as Record<string, { targets?: unknown; shadow?: { target?: { provider?: unknown } } }>)) {
    if (Array.isArray(value?.targets)) {
      value.targets.forEach((target: { provider?: unknown }, i) => {
        if (typeof target?.provider === 'string' && !known.includes(target.provider)) {
          errors.push(`${formatPath(['aliases', alias, 'targets', i, 'provider'])}: unknown provider "${target.provider}"`);
        }
      });
    }
    const shadowProvider = value?.shadow?.target?.provider;
    if (typeof shadowProvider === 'string' && !known.includes(shadowProvider)) {
      errors.push(`${formatPath(['aliases', alias, 'shadow', 'target', 'provider'])}: unknown provider "${shadowProvider}"`);
    }
  }
  return errors;
}

/** Parses a JSON document (the deployed form, in SSM) and validates it. */
export function parseConfigJson(text: string): ConfigResult {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`not valid JSON: ${(error as Error).message}`] };
  }
  return validateConfig(document);
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_value' && 'values' in issue) message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return path ? `${path}: ${message}` : message;
}
