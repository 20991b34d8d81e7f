import type { RouteConditions } from '../../config/routing-schema.ts';
import type { HeaderReader } from '../../ir/upstream.ts';
import type { RequestFeatures } from './request-features.ts';

/** What a route condition may read about one request, besides its features. */
export interface RoutingContext {
  features: RequestFeatures;
  headers: HeaderReader;
  /** The name of the client key the request came with (absent without proxy keys). */
  clientKey?: string;
  /** The complexity score, computed on first use and at most once per request. */
  complexity(): number;
}

export type Condition = (context: RoutingContext) => boolean;

/**
 * Compiles a route's `when` into one predicate: every field present must hold. Cheap checks come
 * first and the complexity score last, so a route rejected on tokens or tools never pays for it.
 * The pattern is compiled once here (validated as a safe subset by the schema).
 */
export function compileConditions(when: RouteConditions): { test: Condition; usesComplexity: boolean } {
  const checks: Condition[] = [];
  const { maxInputTokens, minInputTokens, tools, images, jsonOutput, header, clientKey, pattern, maxComplexity, minComplexity } = when;
  if (maxInputTokens !== undefined) checks.push((c) => c.features.inputTokens <= maxInputTokens);
  if (minInputTokens !== undefined) checks.push((c) => c.features.inputTokens >= minInputTokens);
  if (tools !== undefined) checks.push((c) => c.features.tools > 0 === tools);
  if (images !== undefined) checks.push((c) => c.features.images > 0 === images);
  if (jsonOutput !== undefined) checks.push((c) => c.features.jsonOutput === jsonOutput);
  if (header) {
    const wanted = Object.entries(header).map(([name, value]) => [name.toLowerCase(), value] as const);
    checks.push((c) => wanted.every(([name, value]) => c.headers.get(name) === value));
  }
  if (clientKey !== undefined) {
    const names = new Set(typeof clientKey === 'string' ? [clientKey] : clientKey);
    checks.push((c) => c.clientKey !== undefined && names.has(c.clientKey));
  }
  if (pattern !== undefined) {
    const regex = new RegExp(pattern, 'i');
    checks.push((c) => regex.test(c.features.lastUserText));
  }
  if (maxComplexity !== undefined) checks.push((c) => c.complexity() <= maxComplexity);
  if (minComplexity !== undefined) checks.push((c) => c.complexity() >= minComplexity);
  return {
    test: (context) => {
      for (const check of checks) if (!check(context)) return false;
      return true;
    },
    usesComplexity: maxComplexity !== undefined || minComplexity !== undefined,
  };
}
