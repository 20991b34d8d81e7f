import { describe, expect, it } from 'vitest';
import { HedgeBudget } from '../../functions/core/hedge-budget.ts';
import { ManualClock } from '../support/manual-clock.ts';

describe('the hedging cost guard', () => {
  it('lets an alias hedge at most its share of the requests of the last minute', () => {
    const clock = new ManualClock({ frozen: true });
    const budget = new HedgeBudget(clock);
    let hedged = 0;
    for (let i = 0; i < 100; i++) {
      budget.request('a');
      if (budget.tryHedge('a', 0.1)) hedged++;
    }
    expect(hedged).toBe(10);
  });

  it('keeps aliases apart, and refuses a hedge before any request is counted', () => {
    const budget = new HedgeBudget(new ManualClock({ frozen: true }));
    expect(budget.tryHedge('a', 1)).toBe(false);
    budget.request('a');
    expect(budget.tryHedge('a', 1)).toBe(true);
    expect(budget.tryHedge('b', 1)).toBe(false);
  });

  it('the previous minute still weighs in as it slides out, and a quiet minute resets the guard', () => {
    const clock = new ManualClock({ frozen: true });
    clock.advance(60_000 - (clock.now() % 60_000)); // the start of a window
    const budget = new HedgeBudget(clock);
    for (let i = 0; i < 10; i++) budget.request('a');
    expect(budget.tryHedge('a', 0.1)).toBe(true);
    clock.advance(60_000 + 6_000); // 90 % of the old window still overlaps the sliding minute
    budget.request('a');
    expect(budget.tryHedge('a', 0.1)).toBe(false); // (0.9 + 1) / (9 + 1) > 0.1
    clock.advance(120_000);
    for (let i = 0; i < 10; i++) budget.request('a');
    expect(budget.tryHedge('a', 0.1)).toBe(true);
  });
});
