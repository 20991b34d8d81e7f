import type { ChatRequest } from '../../ir/request.ts';

/**
 * Thinking-token budgets for an effort level, used when the caller gave an effort but no budget.
 * One table for every provider with budgeted thinking (Anthropic, Bedrock Claude, Gemini).
 */
export const BUDGET_BY_EFFORT = { minimal: 1024, low: 2048, medium: 8192, high: 16384 } as const;

/** The caller's explicit budget, else the budget of its effort level (`medium` when none is named). */
export function thinkingBudget(reasoning: NonNullable<ChatRequest['reasoning']>): number {
  return reasoning.budgetTokens ?? BUDGET_BY_EFFORT[reasoning.effort ?? 'medium'];
}

/** The caller's effort, else the effort nearest its thinking budget (an Anthropic client's): for APIs that take an effort. */
export function effortFor(reasoning: ChatRequest['reasoning']): 'minimal' | 'low' | 'medium' | 'high' | undefined {
  if (!reasoning) return undefined;
  if (reasoning.effort) return reasoning.effort;
  const budget = reasoning.budgetTokens;
  if (budget === undefined) return undefined;
  return budget < 2048 ? 'low' : budget < 16384 ? 'medium' : 'high';
}
