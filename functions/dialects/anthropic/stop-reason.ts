import type { FinishReason } from '../../ir/events.ts';

/** Anthropic `stop_reason` → IR finish reason. */
const FROM_ANTHROPIC: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop-sequence',
  max_tokens: 'length',
  // A 200 answer cut at the context window: truncated output, like max_tokens.
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'content-filter',
  // A server-tool loop paused: not an error, not a natural end either.
  pause_turn: 'other',
};

/** IR finish reason → Anthropic `stop_reason` (for Anthropic-dialect clients). */
const TO_ANTHROPIC: Record<FinishReason, string> = {
  stop: 'end_turn',
  'stop-sequence': 'stop_sequence',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
  // Anthropic has no "other": the answer did end, so a plain end of turn is the closest.
  other: 'end_turn',
};

/** Maps an Anthropic stop reason; unknown values become `other` (the raw value travels as providerReason). */
export function finishFromAnthropic(stopReason: string): FinishReason {
  return FROM_ANTHROPIC[stopReason] ?? 'other';
}

/** Maps an IR finish reason to the `stop_reason` an Anthropic client expects. */
export function finishToAnthropic(reason: FinishReason): string {
  return TO_ANTHROPIC[reason] ?? 'end_turn';
}
