import { PROVIDER_KINDS } from '../config/presets.ts';
import { policyFor, type EffectivePolicy } from '../config/resolve.ts';
import type { ChaosSettings, Config } from '../config/schema.ts';
import type { ProviderDialect, ProviderSettings } from '../ir/dialect.ts';
import type { DialectName } from '../ir/request.ts';
import type { Secrets, TargetKey } from './ports.ts';
import type { RoutedTarget } from '../config/routing-schema.ts';
import { compileConditions } from './routing/conditions.ts';
import { DEFAULT_ROUTE, type AliasRouting, type RouteChain } from './routing/choose-route.ts';
import { defaultContextWindow } from './routing/context-windows.ts';
import { defaultPrice, type Price } from './routing/prices.ts';

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
  /** Tokens the model accepts (configured, else the default of a common model). */
  contextWindow?: number;
  /** USD per million tokens (configured under `prices`, else the default of a common model). */
  price?: Price;
  /** Affinity group and weight within it (core/routing/affinity.ts). */
  group?: string;
  weight?: number;
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
  /** Routes by task and cost; `fallback` is the alias's own targets (core/routing/choose-route.ts). */
  routing: AliasRouting;
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
  const unpriced = new Set<string>();
  for (const [name, alias] of Object.entries(config.aliases)) {
    const resolve = (t: RoutedTarget): ResolvedTarget | undefined => {
      const provider = providers.get(t.provider);
      if (!provider) return undefined;
      const kind = config.providers[t.provider]!.kind;
      const chaos = config.providers[t.provider]!.chaos;
      const apis = providerApis(kind, config.providers[t.provider]!.apis);
      const responses = apis.includes('responses') ? dialects['openai-responses'] : undefined;
      const key = targetKey(t.provider, t.model);
      const contextWindow = t.contextWindow ?? defaultContextWindow(t.model);
      const price = config.prices?.[key] ?? defaultPrice(t.model);
      if (!price) unpriced.add(key);
      return {
        key,
        provider,
        model: t.model,
        // A provider that serves only the Responses API is reached through it by every client.
        dialect: responses && !apis.includes('chat') ? responses : dialects[PROVIDER_KINDS[kind].dialect],
        ...(responses ? { responses } : {}),
        ...(chaos ? { chaos } : {}),
        ...(contextWindow !== undefined ? { contextWindow } : {}),
        ...(price ? { price } : {}),
        ...(t.group !== undefined ? { group: t.group, weight: t.weight ?? 1 } : {}),
      };
    };
    const chain = (routeName: string, list: RoutedTarget[]): RouteChain => {
      const resolvedTargets = list
        .map((t, i): ResolvedTarget | undefined => {
          const resolved = resolve(t);
          return resolved && { ...resolved, position: i + 1 };
        })
        .filter((t): t is ResolvedTarget => t !== undefined);
      return { name: routeName, targets: resolvedTargets, affinity: resolvedTargets.some((t) => t.group !== undefined) };
    };
    const fallback = chain(DEFAULT_ROUTE, alias.targets);
    const targets = fallback.targets;
    if (targets.length === 0) warnings.push(`alias "${name}" has no usable target`);
    const routing: AliasRouting = { routes: [], fallback, byName: new Map([[DEFAULT_ROUTE, fallback]]), usesComplexity: false };
    for (const route of alias.routes ?? []) {
      const compiled = chain(route.name, route.targets);
      if (compiled.targets.length === 0) {
        warnings.push(`alias "${name}": route "${route.name}" has no usable target and is left out`);
        continue;
      }
      const conditions = route.when ? compileConditions(route.when) : undefined;
      routing.routes.push(conditions ? { ...compiled, test: conditions.test } : compiled);
      routing.byName.set(route.name, compiled);
      if (conditions?.usesComplexity) routing.usesComplexity = true;
    }
    const first = alias.targets[0]!;
    const resolved: ResolvedAlias = { name, kind: alias.kind, targets, primary: targetKey(first.provider, first.model), policy: policyFor(config, name), routing };
    if (alias.shadow) {
      const shadowTarget = resolve(alias.shadow.target);
      if (shadowTarget) resolved.shadow = { target: shadowTarget, sampleRate: alias.shadow.sampleRate, timeoutMs: alias.shadow.timeoutMs };
      else warnings.push(`alias "${name}": shadow target ${targetKey(alias.shadow.target.provider, alias.shadow.target.model)} skipped (its provider has no key)`);
    }
    aliases.set(name, resolved);
  }
  // Budgets are blind to a target without a price: say so where it matters.
  if (unpriced.size > 0 && (config.budgets?.length ?? 0) > 0) {
    warnings.push(`no price for ${[...unpriced].join(', ')}: budgets do not count their spend (add them under "prices")`);
  }
  return { config, aliases, warnings };
}
