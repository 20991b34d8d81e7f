/** Budget periods are UTC calendar days and months: every instance agrees on them without talking. */
export type BudgetPeriod = 'day' | 'month';

export interface PeriodWindow {
  /** `day#2026-12-02` or `month#2026-12`: part of the counter's key. */
  id: string;
  /** When the next period starts (ms since epoch): the moment a rejected caller may come back. */
  resetsAt: number;
}

export function periodWindow(period: BudgetPeriod, now: number): PeriodWindow {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const mm = String(m + 1).padStart(2, '0');
  if (period === 'month') return { id: `month#${y}-${mm}`, resetsAt: Date.UTC(y, m + 1, 1) };
  const day = d.getUTCDate();
  return { id: `day#${y}-${mm}-${String(day).padStart(2, '0')}`, resetsAt: Date.UTC(y, m, day + 1) };
}
