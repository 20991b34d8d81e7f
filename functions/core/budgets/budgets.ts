import type { BudgetConfig } from '../../config/routing-schema.ts';
import { NANO_USD_PER_USD } from '../routing/prices.ts';
import { periodWindow, type BudgetPeriod } from './budget-period.ts';
import type { SpendCounter, SpendLedger } from './spend-ledger.ts';

/** How long a counter outlives its period in the store (for `npm run budgets` and audits). */
const KEEP_AFTER_PERIOD_MS = 35 * 24 * 3_600_000;

/** What the budgets say about one request before it is served. */
export type BudgetVerdict =
  | { kind: 'ok' }
  | { kind: 'reject'; budget: string; resetsAt: number }
  | { kind: 'route'; budget: string; route: string };

export interface BudgetStatus {
  budget: string;
  scope: string;
  period: string;
  spentUsd: number;
  capUsd: number;
  resetsAt: number;
}

/** The scopes a request is charged to: its client key's name and its alias. */
export interface SpendScopes {
  alias: string;
  clientKey?: string;
}

/**
 * Budgets over a SpendLedger: which caps apply to a request, whether one is spent, and charging
 * an answer's cost to every budgeted scope it belongs to. Decisions read the ledger's in-memory view
 * only; a cap may be overshot by what other instances spent since their last flush (a few seconds
 * of traffic), never by more.
 */
export class Budgets {
  private readonly budgets: readonly BudgetConfig[];
  readonly ledger: SpendLedger;

  constructor(budgets: readonly BudgetConfig[], ledger: SpendLedger) {
    this.budgets = budgets;
    this.ledger = ledger;
  }

  get configured(): boolean {
    return this.budgets.length > 0;
  }

  /**
   * Exceeded budgets in configured order: a `reject` wins over a route; otherwise the first exceeded
   * budget whose route this alias has picks it (a client-key budget naming a route the alias lacks
   * rejects instead).
   */
  check(scopes: SpendScopes, now: number, hasRoute: (name: string) => boolean): BudgetVerdict {
    let route: BudgetVerdict | undefined;
    for (const budget of this.budgets) {
      if (!applies(budget, scopes)) continue;
      const { counter, resetsAt, cap } = this.counterOf(budget, now);
      if (this.ledger.spent(counter) < cap) continue;
      const name = budgetName(budget);
      if (budget.onExceeded !== 'reject' && hasRoute(budget.onExceeded.route)) {
        route ??= { kind: 'route', budget: name, route: budget.onExceeded.route };
        continue;
      }
      return { kind: 'reject', budget: name, resetsAt };
    }
    return route ?? { kind: 'ok' };
  }

  /** Charges an answer's cost to each distinct counter of the budgets that apply. */
  charge(scopes: SpendScopes, nanoUsd: number, now: number): void {
    if (nanoUsd <= 0) return;
    const charged = new Set<string>();
    for (const budget of this.budgets) {
      if (!applies(budget, scopes)) continue;
      const { counter } = this.counterOf(budget, now);
      const id = `${counter.scope}|${counter.period}`;
      if (charged.has(id)) continue;
      charged.add(id);
      this.ledger.record(counter, nanoUsd);
    }
  }

  /** Every budget's spend in its current period, as this instance sees it (refreshed first). */
  async status(now: number): Promise<BudgetStatus[]> {
    for (const budget of this.budgets) this.ledger.spent(this.counterOf(budget, now).counter);
    await this.ledger.refresh();
    return this.budgets.map((budget) => {
      const { counter, resetsAt, cap } = this.counterOf(budget, now);
      return { budget: budgetName(budget), scope: counter.scope, period: counter.period, spentUsd: this.ledger.spent(counter) / NANO_USD_PER_USD, capUsd: cap / NANO_USD_PER_USD, resetsAt };
    });
  }

  private counterOf(budget: BudgetConfig, now: number): { counter: SpendCounter; resetsAt: number; cap: number } {
    const period: BudgetPeriod = budget.perDay !== undefined ? 'day' : 'month';
    const window = periodWindow(period, now);
    return {
      counter: { scope: scopeOf(budget), period: window.id, expiresAt: window.resetsAt + KEEP_AFTER_PERIOD_MS },
      resetsAt: window.resetsAt,
      cap: Math.round((budget.perDay ?? budget.perMonth ?? 0) * NANO_USD_PER_USD),
    };
  }
}

function applies(budget: BudgetConfig, scopes: SpendScopes): boolean {
  return budget.alias !== undefined ? budget.alias === scopes.alias : scopes.clientKey !== undefined && budget.clientKey === scopes.clientKey;
}

function scopeOf(budget: BudgetConfig): string {
  return budget.alias !== undefined ? `alias:${budget.alias}` : `key:${budget.clientKey}`;
}

/** How a budget is named in errors, logs and `npm run budgets`: `key:my-app/day`. */
export function budgetName(budget: BudgetConfig): string {
  return `${scopeOf(budget)}/${budget.perDay !== undefined ? 'day' : 'month'}`;
}
