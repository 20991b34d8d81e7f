import type { Usage } from '../../ir/events.ts';
import { isObject } from '../shared/request-fields.ts';

/** The Response object's `usage`. Every field is present (the SDK types say so), zeros when unknown. */
export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export function usageToResponses(usage: Usage): ResponsesUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cacheReadTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A Responses upstream's `usage` → IR (`input_tokens` already counts cached ones, as the IR means). */
export function usageFromResponses(raw: unknown): Usage | undefined {
  if (!isObject(raw)) return undefined;
  const usage: Usage = { inputTokens: count(raw.input_tokens) ?? 0, outputTokens: count(raw.output_tokens) ?? 0 };
  const cached = isObject(raw.input_tokens_details) ? count(raw.input_tokens_details.cached_tokens) : undefined;
  if (cached) usage.cacheReadTokens = cached;
  const reasoning = isObject(raw.output_tokens_details) ? count(raw.output_tokens_details.reasoning_tokens) : undefined;
  if (reasoning) usage.reasoningTokens = reasoning;
  return usage;
}
