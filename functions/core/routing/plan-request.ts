import { DIMENSIONS, METRICS } from '../../config/metric-names.ts';
import { clientError, type ClientError } from '../../ir/client-error.ts';
import type { Usage } from '../../ir/events.ts';
import type { ChatRequest } from '../../ir/request.ts';
import type { HeaderReader } from '../../ir/upstream.ts';
import type { Budgets, SpendScopes } from '../budgets/budgets.ts';
import type { ResolvedAlias, ResolvedTarget } from '../compiled-config.ts';
import type { AttemptRecord, Telemetry } from '../ports.ts';
import { chooseRoute } from './choose-route.ts';
import { complexityScore } from './complexity.ts';
import { costNanoUsd, NANO_USD_PER_USD } from './prices.ts';
import { requestFeatures } from './request-features.ts';

/** The header a caller sets to pin a conversation for affinity. */
export const SESSION_HEADER = 'x-understudy-session';

/** How one request will be served: decided once, before the attempt loop walks `targets`. */
export interface RequestPlan {
  route: string;
  targets: ResolvedTarget[];
  /** `skipped-context` records for the targets whose window the request exceeds, `skipped-content` for those that cannot take its content. */
  skipped: AttemptRecord[];
  inputTokens: number;
  /** The score, when a route condition read it. */
  complexity?: number;
  /** The exceeded budget that imposed the route. */
  budget?: string;
  scopes: SpendScopes;
}

export type PlanResult = { ok: true; plan: RequestPlan } | { ok: false; error: ClientError; route?: string; budget?: string };

/**
 * Budgets first (a spent `reject` budget answers 429 with when it resets; a spent budget with a
 * route imposes that route), then the route choice, affinity and context windows. Reads memory only.
 */
export function planRequest(args: { alias: ResolvedAlias; request: ChatRequest; headers: HeaderReader; clientKey?: string; budgets: Budgets; now: number }): PlanResult {
  const { alias, request, headers, clientKey, budgets, now } = args;
  const scopes: SpendScopes = clientKey !== undefined ? { alias: alias.name, clientKey } : { alias: alias.name };
  const routing = alias.routing;
  const verdict = budgets.configured ? budgets.check(scopes, now, (name) => routing.byName.has(name)) : ({ kind: 'ok' } as const);
  if (verdict.kind === 'reject') {
    const retryAfterSec = Math.max(1, Math.ceil((verdict.resetsAt - now) / 1000));
    return {
      ok: false,
      budget: verdict.budget,
      error: clientError(429, 'rate_limit', `the budget ${verdict.budget} is spent; it resets at ${new Date(verdict.resetsAt).toISOString()}`, { code: 'budget_exceeded', retryAfterSec }),
    };
  }
  const features = requestFeatures(request);
  let complexity: number | undefined;
  const decision = chooseRoute(routing, {
    context: {
      features,
      headers,
      ...(clientKey !== undefined ? { clientKey } : {}),
      complexity: () => (complexity ??= complexityScore(features)),
    },
    request,
    session: headers.get(SESSION_HEADER),
    ...(verdict.kind === 'route' ? { forcedRoute: verdict.route } : {}),
  });
  const skipped = decision.skippedContext.map((t): AttemptRecord => ({ target: t.key, provider: t.provider.name, model: t.model, outcome: 'skipped-context', durationMs: 0 }));
  for (const { target: t } of decision.skippedContent) skipped.push({ target: t.key, provider: t.provider.name, model: t.model, outcome: 'skipped-content', durationMs: 0 });
  if (decision.targets.length === 0 && decision.skippedContent.length > 0) {
    // No target can take what the user gave: say what, rather than drop it somewhere.
    const reasons = decision.skippedContent.map((s) => `${s.target.key}: ${s.reason}`);
    return {
      ok: false,
      route: decision.route,
      error: clientError(400, 'invalid_request', `no target of route "${decision.route}" can take this request's content (${reasons.join('; ')})`, { code: 'unsupported_content' }),
    };
  }
  if (decision.targets.length === 0 && skipped.length > 0) {
    const largest = Math.max(...decision.skippedContext.map((t) => t.contextWindow ?? 0));
    return {
      ok: false,
      route: decision.route,
      error: clientError(400, 'invalid_request', `the request (about ${features.inputTokens} tokens) exceeds the context window of every target of route "${decision.route}" (largest ${largest})`, {
        code: 'context_length_exceeded',
      }),
    };
  }
  return {
    ok: true,
    plan: {
      route: decision.route,
      targets: decision.targets,
      skipped,
      inputTokens: features.inputTokens,
      ...(complexity !== undefined ? { complexity } : {}),
      ...(verdict.kind === 'route' ? { budget: verdict.budget } : {}),
      scopes,
    },
  };
}

/**
 * The cost of a served answer: charged to the budgets, published as `CostUSD` (per alias, and per
 * alias, route and target) beside `DefaultRouteCostUSD`, what the same usage would have cost on the
 * head of the alias's own chain (the dashboard's saving). Returns both for the log line.
 */
export function settleCost(args: {
  alias: ResolvedAlias;
  plan: RequestPlan;
  served: ResolvedTarget;
  usage: Usage | undefined;
  budgets: Budgets;
  telemetry: Telemetry;
  now: number;
}): { costUsd?: number; defaultRouteCostUsd?: number } {
  const { alias, plan, served, usage, budgets, telemetry, now } = args;
  if (!usage || !served.price) return {};
  const nano = costNanoUsd(usage, served.price);
  budgets.charge(plan.scopes, nano, now);
  const costUsd = nano / NANO_USD_PER_USD;
  const head = alias.routing.fallback.targets[0];
  const defaultRouteCostUsd = head?.price ? costNanoUsd(usage, head.price) / NANO_USD_PER_USD : undefined;
  telemetry.metric(METRICS.costUsd, costUsd, { [DIMENSIONS.alias]: alias.name });
  telemetry.metric(METRICS.costUsd, costUsd, { [DIMENSIONS.alias]: alias.name, [DIMENSIONS.route]: plan.route, [DIMENSIONS.target]: served.key });
  if (defaultRouteCostUsd !== undefined) telemetry.metric(METRICS.defaultRouteCostUsd, defaultRouteCostUsd, { [DIMENSIONS.alias]: alias.name });
  return { costUsd, ...(defaultRouteCostUsd !== undefined ? { defaultRouteCostUsd } : {}) };
}
