import type { FinishReason } from '../../ir/events.ts';

export type ResponseStatus = 'completed' | 'incomplete' | 'failed' | 'in_progress';

/** Why a Responses answer ended, in the Response object's terms (`status` and `incomplete_details`). */
export function statusFromFinish(reason: FinishReason): { status: 'completed' | 'incomplete'; incomplete?: { reason: string } } {
  if (reason === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (reason === 'content-filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed' };
}

/** A Responses upstream's terminal status → the IR finish reason. A completed answer with calls ended for them. */
export function finishFromStatus(status: string | undefined, incompleteReason: string | undefined, madeCalls: boolean): FinishReason {
  if (status === 'incomplete') {
    if (incompleteReason === 'max_output_tokens') return 'length';
    if (incompleteReason === 'content_filter') return 'content-filter';
    return 'other';
  }
  return madeCalls ? 'tool-calls' : 'stop';
}
