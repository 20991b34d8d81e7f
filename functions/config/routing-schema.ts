import * as z from 'zod';
import { unsafePatternReason } from './safe-pattern.ts';

/**
 * The configuration of routing by cost and task (core/routing/): routes per alias, affinity
 * groups and context windows on targets, prices, budgets. Kept beside schema.ts, which composes it.
 */

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, "-" and "_"');

/** What a target of an alias's chain or of a route adds to a plain target (schema.ts extends it). */
export const routedTargetFields = {
  /** Tokens (input + output) the model accepts; overrides the default of common models. */
  contextWindow: z.number().int().positive().optional(),
  /** Interchangeable targets share a group: each conversation is pinned to one member (affinity). */
  group: name.optional(),
  /** Share of conversations within the group (default 1). */
  weight: z.number().positive().max(1_000).optional(),
};

export const routedTargetSchema = z.strictObject({ provider: z.string().min(1), model: z.string().min(1), ...routedTargetFields });

const tokens = z.number().int().nonnegative();
const unit = z.number().min(0).max(1);

/** Conditions of a route: all must hold. */
export const whenSchema = z
  .strictObject({
    maxInputTokens: tokens.optional(),
    minInputTokens: tokens.optional(),
    tools: z.boolean().optional(),
    images: z.boolean().optional(),
    jsonOutput: z.boolean().optional(),
    /** Request headers that must be present with exactly these values (names case-insensitive). */
    header: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'not a header name'), z.string().max(256)).optional(),
    /** The name of the client key the request came with (one or any of several). */
    clientKey: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** A regular expression (safe subset, case-insensitive) tested on the last user message. */
    pattern: z
      .string()
      .min(1)
      .superRefine((value, ctx) => {
        const reason = unsafePatternReason(value);
        if (reason) ctx.addIssue({ code: 'custom', message: reason });
      })
      .optional(),
    maxComplexity: unit.optional(),
    minComplexity: unit.optional(),
  })
  .superRefine((when, ctx) => {
    if (Object.keys(when).length === 0) ctx.addIssue({ code: 'custom', message: 'an empty condition always holds; leave "when" out for a route chosen only by a budget' });
    if (when.minInputTokens !== undefined && when.maxInputTokens !== undefined && when.minInputTokens > when.maxInputTokens) {
      ctx.addIssue({ code: 'custom', path: ['minInputTokens'], message: 'greater than maxInputTokens: the route could never match' });
    }
    if (when.minComplexity !== undefined && when.maxComplexity !== undefined && when.minComplexity > when.maxComplexity) {
      ctx.addIssue({ code: 'custom', path: ['minComplexity'], message: 'greater than maxComplexity: the route could never match' });
    }
  });

export const routeSchema = z.strictObject({
  name: name.refine((v) => v !== 'default', '"default" names the alias\'s own targets'),
  /** Absent: the route is chosen only by a budget's `onExceeded`. */
  when: whenSchema.optional(),
  targets: z.array(routedTargetSchema).min(1, 'a route needs at least one target'),
});

/** USD per million tokens. */
export const priceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
});

const usd = z.number().positive();

export const budgetSchema = z
  .strictObject({
    /** The cap applies to the spend of one client key (by its name) … */
    clientKey: z.string().min(1).optional(),
    /** … or of one alias. */
    alias: z.string().min(1).optional(),
    /** USD per UTC day … */
    perDay: usd.optional(),
    /** … or per UTC calendar month. */
    perMonth: usd.optional(),
    /** Once spent: answer 429 until the period resets, or serve through a (cheaper) route. */
    onExceeded: z.union([z.literal('reject'), z.strictObject({ route: name })]).default('reject'),
  })
  .superRefine((budget, ctx) => {
    if ((budget.clientKey === undefined) === (budget.alias === undefined)) ctx.addIssue({ code: 'custom', message: 'a budget names exactly one of clientKey or alias' });
    if ((budget.perDay === undefined) === (budget.perMonth === undefined)) ctx.addIssue({ code: 'custom', message: 'a budget sets exactly one of perDay or perMonth' });
  });

export type RoutedTarget = z.output<typeof routedTargetSchema>;
export type RouteConditions = z.output<typeof whenSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
export type PriceConfig = z.output<typeof priceSchema>;
export type BudgetConfig = z.output<typeof budgetSchema>;

type Issue = { path: (string | number)[]; message: string };

/**
 * Cross-checks of the routing configuration that need the whole document: affinity groups are
 * contiguous, weights only inside groups, route names unique, budget routes exist, priced targets
 * name known providers.
 */
export function routingIssues(config: {
  providers: Record<string, unknown>;
  aliases: Record<string, { targets: RoutedTarget[]; routes?: RouteConfig[] | undefined }>;
  prices?: Record<string, unknown> | undefined;
  budgets?: BudgetConfig[] | undefined;
}): Issue[] {
  const issues: Issue[] = [];
  const chainIssues = (targets: RoutedTarget[], path: (string | number)[]) => {
    const closed = new Set<string>();
    let current: string | undefined;
    targets.forEach((target, i) => {
      if (target.weight !== undefined && target.group === undefined) issues.push({ path: [...path, i, 'weight'], message: 'a weight needs a group (it shares conversations among the group\'s members)' });
      if (target.group !== current) {
        if (current !== undefined) closed.add(current);
        current = target.group;
        if (current !== undefined && closed.has(current)) issues.push({ path: [...path, i, 'group'], message: `the members of group "${current}" must be listed next to each other` });
      }
    });
  };
  for (const [aliasName, alias] of Object.entries(config.aliases)) {
    chainIssues(alias.targets, ['aliases', aliasName, 'targets']);
    const seen = new Set<string>();
    (alias.routes ?? []).forEach((route, i) => {
      if (seen.has(route.name)) issues.push({ path: ['aliases', aliasName, 'routes', i, 'name'], message: `route "${route.name}" is defined twice` });
      seen.add(route.name);
      chainIssues(route.targets, ['aliases', aliasName, 'routes', i, 'targets']);
      route.targets.forEach((target, j) => {
        if (!(target.provider in config.providers)) issues.push({ path: ['aliases', aliasName, 'routes', i, 'targets', j, 'provider'], message: `unknown provider "${target.provider}"` });
      });
    });
  }
  for (const key of Object.keys(config.prices ?? {})) {
    const slash = key.indexOf('/');
    if (slash <= 0 || slash === key.length - 1) issues.push({ path: ['prices', key], message: 'a price is keyed by provider/model' });
    else if (!(key.slice(0, slash) in config.providers)) issues.push({ path: ['prices', key], message: `unknown provider "${key.slice(0, slash)}"` });
  }
  (config.budgets ?? []).forEach((budget, i) => {
    if (budget.alias !== undefined && !(budget.alias in config.aliases)) issues.push({ path: ['budgets', i, 'alias'], message: `unknown alias "${budget.alias}"` });
    if (budget.onExceeded === 'reject') return;
    const route = budget.onExceeded.route;
    const candidates = budget.alias !== undefined ? [config.aliases[budget.alias]] : Object.values(config.aliases);
    if (!candidates.some((alias) => alias?.routes?.some((r) => r.name === route))) {
      issues.push({ path: ['budgets', i, 'onExceeded', 'route'], message: budget.alias !== undefined ? `alias "${budget.alias}" has no route "${route}"` : `no alias has a route "${route}"` });
    }
  });
  return issues;
}
