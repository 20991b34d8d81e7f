import type { FinishReason } from '../../ir/events.ts';

const CONTENT_FILTER = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini `finishReason` → IR finish reason. Gemini has no tool-call reason: a STOP after function
 * calls is reported as `tool-calls`. MALFORMED_FUNCTION_CALL, OTHER and anything unknown are `other`.
 */
export function mapFinishReason(finishReason: string, hadToolCalls: boolean): FinishReason {
  if (finishReason === 'STOP') return hadToolCalls ? 'tool-calls' : 'stop';
  if (finishReason === 'MAX_TOKENS') return 'length';
  if (CONTENT_FILTER.has(finishReason)) return 'content-filter';
  return 'other';
}
