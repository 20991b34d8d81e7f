import type { ChatRequest } from '../../ir/request.ts';
import { thinkingBudget } from '../shared/reasoning-budget.ts';

const MIN_CLAUDE_BUDGET = 1024;

// Base ids, cross-region inference profiles (`us.anthropic.claude-…`) and ARNs that contain either.
const CLAUDE = /(^|[.:/])anthropic\.claude/;
const NOVA = /(^|[.:/])amazon\.nova/;

/** A Claude model on Bedrock (base id, inference profile or an ARN naming one). */
export function isClaude(modelId: string): boolean {
  return CLAUDE.test(modelId);
}

export interface ModelFields {
  /** `additionalModelRequestFields`, or undefined when nothing model-specific is sent. */
  fields?: Record<string, unknown>;
  /** The extended-thinking budget when thinking is switched on (Claude only). */
  thinkingBudget?: number;
}

/**
 * Fields Converse does not model, sent in `additionalModelRequestFields` only to families known to
 * accept them, because any other model rejects unknown fields with a ValidationException:
 * - Claude: `top_k`, and `thinking` when the request asks for reasoning (then `top_k` is left out:
 *   Claude refuses it with thinking on).
 * - Nova: `inferenceConfig.topK`.
 * Everything else (top_k and reasoning on other families, or on an ARN that hides the model
 * family) is dropped.
 */
export function modelFields(modelId: string, request: ChatRequest): ModelFields {
  if (CLAUDE.test(modelId)) {
    if (request.reasoning) {
      const wanted = thinkingBudget(request.reasoning);
      const budget = Math.max(MIN_CLAUDE_BUDGET, wanted);
      return { fields: { thinking: { type: 'enabled', budget_tokens: budget } }, thinkingBudget: budget };
    }
    return request.topK !== undefined ? { fields: { top_k: request.topK } } : {};
  }
  if (NOVA.test(modelId) && request.topK !== undefined) return { fields: { inferenceConfig: { topK: request.topK } } };
  return {};
}
