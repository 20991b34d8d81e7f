import { scrubSecrets } from '../dialects/shared/scrub.ts';
import type { ClientError } from '../ir/client-error.ts';
import type { CompiledConfig } from './compiled-config.ts';

/** Every resolved provider key of a compiled configuration, computed once per configuration. */
const secretsOf = new WeakMap<CompiledConfig, string[]>();

function configuredSecrets(compiled: CompiledConfig): string[] {
  let secrets = secretsOf.get(compiled);
  if (!secrets) {
    const keys = new Set<string>();
    for (const alias of compiled.aliases.values()) {
      for (const target of [...alias.targets, ...(alias.shadow ? [alias.shadow.target] : [])]) {
        if (target.provider.apiKey) keys.add(target.provider.apiKey);
      }
    }
    secrets = [...keys];
    secretsOf.set(compiled, secrets);
  }
  return secrets;
}

/**
 * The last guard before a final error built from upstream text reaches the caller: every
 * configured key and anything key-shaped is removed from its message and code, whichever
 * upstream it came from (each attempt already scrubs its own target's key).
 */
export function scrubClientError(error: ClientError, compiled: CompiledConfig): ClientError {
  const secrets = configuredSecrets(compiled);
  return { ...error, message: scrubSecrets(error.message, secrets), ...(error.code ? { code: scrubSecrets(error.code, secrets) } : {}) };
}
