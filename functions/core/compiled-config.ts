import { PROVIDER_KINDS } from '../config/presets.ts';
import { policyFor, type EffectivePolicy } from '../config/resolve.ts';
import type { ChaosSettings, Config } from '../config/schema.ts';
import type { ProviderDialect, ProviderSettings } from '../ir/dialect.ts';
import type { DialectName } from '../ir/request.ts';
import type { Secrets, TargetKey } from './ports.ts';

/** One provider target of an alias, ready to call: settings resolved, secret fetched, dialect chosen. */
export interface ResolvedTarget {
  key: TargetKey;
  provider: ProviderSettings;
  model: string;
  /** The dialect every ingress but the Responses API uses: Chat Completions for OpenAI kinds that serve it. */
  dialect: ProviderDialect;
  /** The provider's Responses API, when it serves one (`apis` in the config): a Responses client's choice. */
  responses?: ProviderDialect;
  chaos?: ChaosSettings;
  /** 1-based place in the alias's configured chain (absent for a shadow target). */
  position?: number;
}

export interface ResolvedAlias {
  name: string;
  /** What the alias serves: chat (Chat Completions, Messages, count_tokens) or embeddings. */
  kind: 'chat' | 'embeddings';
  /** Usable targets in configured order (providers without a key are left out). */
  targets: ResolvedTarget[];
  /** The first configured target, usable or not: serving from anything else is a failover. */
  primary: TargetKey;
  policy: EffectivePolicy;
  /** Shadow traffic (core/shadow.ts); absent when not configured or its provider has no key. */
  shadow?: { target: ResolvedTarget; sampleRate: number; timeoutMs: number };
}

/** The configuration compiled for serving. Rebuilt whenever the configuration changes. */
export interface CompiledConfig {
  config: Config;
  aliases: Map<string, ResolvedAlias>;
  /** One line per provider skipped or alias left without targets, for the operator. */
  warnings: string[];
}

/** The OpenAI APIs a provider serves: configured, else both for OpenAI and Azure, Chat Completions for other compatible kinds. */
export function providerApis(kind: keyof typeof PROVIDER_KINDS, configured: readonly ('chat' | 'responses')[] | undefined): readonly ('chat' | 'responses')[] {
  if (PROVIDER_KINDS[kind].dialect !== 'openai') return [];
  return configured ?? (kind === 'openai' || kind === 'azure-openai' ? ['chat', 'responses'] : ['chat']);
}

export function targetKey(provider: string, model: string): TargetKey {
  return `${provider}/${model}`;
}

export async function compileConfig(config: Config, secrets: Secrets, dialects: Record<DialectName, ProviderDialect>): Promise<CompiledConfig> {
  const warnings: string[] = [];
  const providers = new Map<string, ProviderSettings>();
  await Promise.all(
    Object.entries(config.providers).map(async ([name, p]) => {
      let apiKey: string | undefined;
      if (p.apiKey) {
        apiKey = await secrets.resolve(p.apiKey);
        if (!apiKey) {
          warnings.push(`provider "${name}" skipped: its key ${p.apiKey} is not set`);
          return;
        }
      }
      const baseUrl = p.baseUrl ?? ('baseUrl' in PROVIDER_KINDS[p.kind] ? (PROVIDER_KINDS[p.kind] as { baseUrl: string }).baseUrl : undefined);
      providers.set(name, {
        name,
        kind: p.kind,
        ...(baseUrl ? { baseUrl: baseUrl.replace(/\/+$/, '') } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(p.headers ? { headers: p.headers } : {}),
        ...(p.region ? { region: p.region } : {}),
        ...(p.apiVersion ? { apiVersion: p.apiVersion } : {}),
      });
    }),
  );

  const aliases = new Map<string, ResolvedAlias>();
  for (const [name, alias] of Object.entries(config.aliases)) {
    const resolve = (t: { provider: string; model: string }): ResolvedTarget | undefined => {
      const provider = providers.get(t.provider);
      if (!provider) return undefined;
      const kind = config.providers[t.provider]!.kind;
      const chaos = config.providers[t.provider]!.chaos;
      const apis = providerApis(kind, config.providers[t.provider]!.apis);
      const responses = apis.includes('responses') ? dialects['openai-responses'] : undefined;
      return {
        key: targetKey(t.provider, t.model),
        provider,
        model: t.model,
        // A provider that serves only the Responses API is reached through it by every client.
        dialect: responses && !apis.includes('chat') ? responses : dialects[PROVIDER_KINDS[kind].dialect],
        ...(responses ? { responses } : {}),
        ...(chaos ? { chaos } : {}),
      };
    };
    const targets = alias.targets
      .map((t, i): ResolvedTarget | undefined => {
        const resolved = resolve(t);
        return resolved && { ...resolved, position: i + 1 };
      })
      .filter((t): t is ResolvedTarget => t !== undefined);
    if (targets.length === 0) warnings.push(`alias "${name}" has no usable target`);
    const first = alias.targets[0]!;
    const resolved: ResolvedAlias = { name, kind: alias.kind, targets, primary: targetKey(first.provider, first.model), policy: policyFor(config, name) };
    if (alias.shadow) {
      const shadowTarget = resolve(alias.shadow.target);
      if (shadowTarget) resolved.shadow = { target: shadowTarget, sampleRate: alias.shadow.sampleRate, timeoutMs: alias.shadow.timeoutMs };
      else warnings.push(`alias "${name}": shadow target ${targetKey(alias.shadow.target.provider, alias.shadow.target.model)} skipped (its provider has no key)`);
    }
    aliases.set(name, resolved);
  }
  return { config, aliases, warnings };
}
