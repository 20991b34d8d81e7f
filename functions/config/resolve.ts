import { STATUS_PAGE_PRESETS } from './presets.ts';
import type { Config, Policy, ProviderConfig } from './schema.ts';

/**
 * What the running functions compute from a configuration, without its schema: the schema (zod)
 * validates at synth and push time, and the Lambda does not load it to start (see sealed.ts).
 */

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** A status page to poll, preset filled in. */
export interface StatusPageSettings {
  url: string;
  components: readonly string[];
}

/** The provider's status page with the kind's preset filled in, or undefined when it has none. */
export function statusPageOf(provider: ProviderConfig): StatusPageSettings | undefined {
  if (!provider.statusPage) return undefined;
  const preset = STATUS_PAGE_PRESETS[provider.kind];
  const url = provider.statusPage.url ?? preset?.url;
  const components = provider.statusPage.components ?? preset?.components;
  return url && components ? { url, components } : undefined;
}

/** The policy in force for one alias: the global policy with the alias's overrides applied. */
export type EffectivePolicy = Policy;

export function policyFor(config: Config, alias: string): EffectivePolicy {
  const overrides = config.aliases[alias]?.policy ?? {};
  return { ...config.policy, ...overrides };
}
