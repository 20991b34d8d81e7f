import type { ChatRequest } from '../../ir/request.ts';
import type { ResolvedTarget } from '../compiled-config.ts';
import { rendezvousOrder, sessionKey } from './affinity.ts';
import type { Condition, RoutingContext } from './conditions.ts';
import { contentRefusal } from '../../dialects/shared/documents.ts';
import { exceedsWindow } from './context-windows.ts';

/** The name of the alias's own chain. */
export const DEFAULT_ROUTE = 'default';

/** One chain an alias can serve a request through. */
export interface RouteChain {
  name: string;
  targets: ResolvedTarget[];
  /** Some targets share a group: the chain is reordered per conversation. */
  affinity: boolean;
}

/** An alias's routes, compiled: conditions as predicates, targets resolved. */
export interface AliasRouting {
  /** In configured order; those without a condition are only reached through a budget. */
  routes: (RouteChain & { test?: Condition })[];
  fallback: RouteChain;
  byName: Map<string, RouteChain>;
  /** Some route condition reads the complexity score (so the log line carries it). */
  usesComplexity: boolean;
}

export interface RouteDecision {
  route: string;
  /** The chain the attempt loop walks: affinity applied, targets too small for the request left out. */
  targets: ResolvedTarget[];
  /** Targets left out because the request's estimate exceeds their context window. */
  skippedContext: ResolvedTarget[];
  /** Targets left out because they cannot take the request's content (a document form, a server tool …), with the reason. */
  skippedContent: { target: ResolvedTarget; reason: string }[];
}

export interface RouteRequest {
  context: RoutingContext;
  request: ChatRequest;
  /** `x-understudy-session`, when sent. */
  session: string | null;
  /** A route imposed by an exceeded budget (`onExceeded: { route }`). */
  forcedRoute?: string;
}

/**
 * The routing decision, made once per request before the attempt loop: the first route whose
 * conditions hold (or the budget's route, or the alias's own targets), ordered for affinity, with
 * the targets whose context window is too small left out. Pure and synchronous: microseconds.
 */
export function chooseRoute(routing: AliasRouting, input: RouteRequest): RouteDecision {
  let chain: RouteChain = routing.fallback;
  const forced = input.forcedRoute !== undefined ? routing.byName.get(input.forcedRoute) : undefined;
  if (forced) chain = forced;
  else {
    for (const route of routing.routes) {
      if (route.test?.(input.context)) {
        chain = route;
        break;
      }
    }
  }
  const ordered = chain.affinity ? withAffinity(chain.targets, sessionKey(input.request, input.session)) : chain.targets;
  const estimate = input.context.features.inputTokens;
  let targets = ordered;
  let skippedContext: ResolvedTarget[] = [];
  if (ordered.some((t) => exceedsWindow(estimate, t.contextWindow))) {
    targets = ordered.filter((t) => !exceedsWindow(estimate, t.contextWindow));
    skippedContext = ordered.filter((t) => exceedsWindow(estimate, t.contextWindow));
  }
  const skippedContent: RouteDecision['skippedContent'] = [];
  if (input.context.features.foreignContent) {
    targets = targets.filter((target) => {
      const reason = contentRefusal(input.request, receiver(target, input.request));
      if (reason) skippedContent.push({ target, reason });
      return reason === undefined;
    });
  }
  return { route: chain.name, targets, skippedContext, skippedContent };
}

/** The API a target serves this request through: a Responses client reaches a provider's Responses API where it has one (core/responses-targets.ts). */
function receiver(target: ResolvedTarget, request: ChatRequest): { dialect: ResolvedTarget['dialect']['dialect']; kind: string } {
  const dialect = request.original?.dialect === 'openai-responses' && target.responses ? target.responses : target.dialect;
  return { dialect: dialect.dialect, kind: target.provider.kind };
}

/** Each run of consecutive targets sharing a group, reordered by weighted rendezvous hashing. */
export function withAffinity(targets: readonly ResolvedTarget[], session: number): ResolvedTarget[] {
  const out: ResolvedTarget[] = [];
  for (let i = 0; i < targets.length; ) {
    const group = targets[i]!.group;
    let end = i + 1;
    if (group !== undefined) while (end < targets.length && targets[end]!.group === group) end++;
    const run = targets.slice(i, end);
    out.push(...(run.length > 1 ? rendezvousOrder(run.map((t) => ({ key: t.key, weight: t.weight ?? 1, target: t })), session).map((m) => m.target) : run));
    i = end;
  }
  return out;
}
