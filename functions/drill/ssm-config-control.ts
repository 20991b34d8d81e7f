import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { validateConfig } from '../config/load.ts';
import { sealedJson } from '../config/seal.ts';
import type { ConfigControl } from './config-control.ts';

/**
 * How long a pushed document takes to reach every instance: the config source refreshes every
 * 60 s ± 20 % (adapters/ssm-config-source.ts), plus a read in flight.
 */
export const SSM_PROPAGATION_MS = 75_000;

/**
 * The deployed configuration: the SSM parameter the functions refresh from. A document is validated
 * before it is written, so the drill can never make the functions reject their configuration.
 */
export function ssmConfigControl(client: SSMClient, parameterName: string, options: { propagationMs?: number } = {}): ConfigControl {
  let tier: 'Standard' | 'Advanced' | undefined;
  return {
    description: `SSM parameter ${parameterName}`,
    propagationMs: options.propagationMs ?? SSM_PROPAGATION_MS,
    async read(signal) {
      const out = await client.send(new GetParameterCommand({ Name: parameterName }), signal ? { abortSignal: signal } : {});
      const text = out.Parameter?.Value;
      if (!text) throw new Error(`SSM parameter ${parameterName} is empty`);
      // Keep the tier it has: SSM refuses to move an Advanced parameter back to Standard.
      tier = Buffer.byteLength(text, 'utf8') > 4096 ? 'Advanced' : (tier ?? 'Standard');
      return JSON.parse(text) as unknown;
    },
    async write(document, signal) {
      const validated = validateConfig(document);
      if (!validated.ok) throw new Error(`refusing to write an invalid configuration to ${parameterName}: ${validated.errors.join('; ')}`);
      const value = sealedJson(validated.config);
      const size = Buffer.byteLength(value, 'utf8') > 4096 ? 'Advanced' : (tier ?? 'Standard');
      const put = (t: 'Standard' | 'Advanced') =>
        client.send(new PutParameterCommand({ Name: parameterName, Value: value, Type: 'String', Overwrite: true, Tier: t }), signal ? { abortSignal: signal } : {});
      try {
        await put(size);
      } catch (error) {
        if (size !== 'Standard' || !/advanced/i.test((error as Error).message)) throw error;
        tier = 'Advanced';
        await put('Advanced');
      }
    },
  };
}
