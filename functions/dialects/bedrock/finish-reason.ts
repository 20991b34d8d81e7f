import type { FinishReason } from '../../ir/events.ts';

/** Bedrock `stopReason` → IR finish reason. */
const FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop-sequence',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  guardrail_intervened: 'content-filter',
  content_filtered: 'content-filter',
};

/**
 * Stop reasons that mean the model produced output Bedrock could not parse. They are not a clean
 * finish: the answer (often a tool call) is broken, so the stream reports an error instead and the
 * attempt loop may retry or fail over while nothing has reached the client.
 */
export const MALFORMED_STOP_REASONS: ReadonlySet<string> = new Set(['malformed_model_output', 'malformed_tool_use']);

/** Maps a Bedrock stop reason; unknown values become `other` (the raw value travels as providerReason). */
export function mapStopReason(stopReason: string): FinishReason {
  return FINISH[stopReason] ?? 'other';
}
