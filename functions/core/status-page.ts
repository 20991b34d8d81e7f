import type { StatusPageSettings } from '../config/schema.ts';
import { TIMED_OUT, within } from './timers.ts';

/**
 * A provider's public status page (Statuspage's `summary.json`), read by the health checker. It
 * only ever feeds a metric, an L1 alarm and the /status page: status pages lag and under-report,
 * so probes and real traffic decide what the breakers do.
 */

/** Worst state of the named components, in Statuspage's words shortened; `unknown` when unreadable. */
export type StatusPageLevel = 'operational' | 'degraded' | 'partial' | 'major' | 'unknown';

/** The metric value of each known level (the L1 alarm fires on ≥ 1, degraded or worse). */
export const STATUS_PAGE_SEVERITY: Record<Exclude<StatusPageLevel, 'unknown'>, number> = { operational: 0, degraded: 1, partial: 2, major: 3 };

/** Statuspage component states. Maintenance is announced degradation: counted as degraded. */
const LEVELS: Record<string, Exclude<StatusPageLevel, 'unknown'>> = {
  operational: 'operational',
  degraded_performance: 'degraded',
  under_maintenance: 'degraded',
  partial_outage: 'partial',
  major_outage: 'major',
};

export const STATUS_PAGE_TIMEOUT_MS = 3_000;

export interface StatusPageReading {
  level: StatusPageLevel;
  /** Each named component as the page shows it (`missing` when the page does not list it). */
  components: { name: string; status: string }[];
  /** Why the level is unknown (fetch failed, timed out, not a summary). */
  error?: string;
}

/** Reads a status page's JSON; throws when it cannot (the adapter bounds redirects and size). */
export type StatusPageFetch = (url: string, signal: AbortSignal) => Promise<unknown>;

/** The worst state of `components` (matched by name, case-insensitive, or id) in a summary document. */
export function judgeSummary(document: unknown, components: readonly string[]): StatusPageReading {
  const listed = (document as { components?: unknown } | null)?.components;
  if (!Array.isArray(listed)) return { level: 'unknown', components: [], error: 'not a Statuspage summary (no components)' };
  const found: { name: string; status: string }[] = [];
  let worst: StatusPageLevel | undefined;
  for (const wanted of components) {
    const entry = listed.find((c: { name?: unknown; id?: unknown }) => (typeof c?.name === 'string' && c.name.toLowerCase() === wanted.toLowerCase()) || c?.id === wanted) as
      | { status?: unknown }
      | undefined;
    const status = typeof entry?.status === 'string' ? entry.status : 'missing';
    found.push({ name: wanted, status });
    const level = LEVELS[status];
    if (level && (worst === undefined || STATUS_PAGE_SEVERITY[level] > STATUS_PAGE_SEVERITY[worst as keyof typeof STATUS_PAGE_SEVERITY])) worst = level;
  }
  // None of the named components is on the page (renamed?): that says nothing about the provider.
  return worst ? { level: worst, components: found } : { level: 'unknown', components: found, error: 'none of the named components is on the page' };
}

/** One poll with a short bound; any failure is `unknown`, never an outage. */
export async function readStatusPage(fetchPage: StatusPageFetch, page: StatusPageSettings, timeoutMs = STATUS_PAGE_TIMEOUT_MS): Promise<StatusPageReading> {
  const controller = new AbortController();
  const result = await within(
    fetchPage(page.url, controller.signal).then(
      (document) => judgeSummary(document, page.components),
      (error: unknown): StatusPageReading => ({ level: 'unknown', components: [], error: (error as Error).message ?? String(error) }),
    ),
    timeoutMs,
  );
  if (result !== TIMED_OUT) return result;
  controller.abort();
  return { level: 'unknown', components: [], error: `no answer within ${timeoutMs} ms` };
}
