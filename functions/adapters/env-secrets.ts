import type { Secrets } from '../core/ports.ts';

/** Resolves `env:NAME` from an environment map. `ssm:` references need the SSM adapter. */
export function envSecrets(env: Record<string, string | undefined>): Secrets {
  return {
    async resolve(reference) {
      if (!reference.startsWith('env:')) return undefined;
      const value = env[reference.slice(4)];
      return value && value.trim() !== '' ? value.trim() : undefined;
    },
  };
}
