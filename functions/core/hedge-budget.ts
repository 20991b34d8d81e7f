import type { Clock } from './ports.ts';

/** The cost guard's window: hedges are counted against the alias's requests of the last minute. */
const WINDOW_MS = 60_000;

interface Window {
  start: number;
  requests: number;
  hedges: number;
  /** The previous window's counts, weighted by how much of it still overlaps the sliding minute. */
  previous: { requests: number; hedges: number };
}

/**
 * Hedging's cost guard (issue 17): a hedge pays for a second upstream call, so an alias may hedge at
 * most `maxShare` of its requests over a sliding minute. Two fixed windows, the older one weighted
 * by its overlap: constant memory per alias, no timers.
 */
export class HedgeBudget {
  private readonly windows = new Map<string, Window>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Counts one request of the alias (hedged or not). */
  request(alias: string): void {
    this.current(alias).requests++;
  }

  /** Whether one more hedge keeps the alias within `maxShare`; the hedge is counted when it does. */
  tryHedge(alias: string, maxShare: number): boolean {
    const window = this.current(alias);
    const weight = 1 - (this.clock.now() - window.start) / WINDOW_MS;
    const requests = window.requests + window.previous.requests * weight;
    const hedges = window.hedges + window.previous.hedges * weight;
    if (requests <= 0 || (hedges + 1) / requests > maxShare) return false;
    window.hedges++;
    return true;
  }

  private current(alias: string): Window {
    const now = this.clock.now();
    const start = now - (now % WINDOW_MS);
    let window = this.windows.get(alias);
    if (!window || window.start !== start) {
      const previous = window && window.start === start - WINDOW_MS ? { requests: window.requests, hedges: window.hedges } : { requests: 0, hedges: 0 };
      window = { start, requests: 0, hedges: 0, previous };
      this.windows.set(alias, window);
    }
    return window;
  }
}
