import type { Failure } from './failure.ts';
import type { EncryptedReasoning } from './request.ts';

/** Why an answer ended, in the IR's terms. Each dialect maps its own reasons in one file. */
export type FinishReason = 'stop' | 'stop-sequence' | 'length' | 'tool-calls' | 'content-filter' | 'other';

/**
 * Token usage. `inputTokens` counts every input token, cached ones included (OpenAI's
 * `prompt_tokens` semantics); `cacheReadTokens`/`cacheWriteTokens` say how many of them were
 * served from or written to a prompt cache.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

/**
 * One canonical stream event. Provider dialects produce them; ingress dialects encode them.
 * Tool calls are numbered by `index`: the ordinal of the call within the answer (0, 1, …),
 * never a provider's content-block index.
 */
export type StreamEvent =
  | { type: 'start'; id?: string; model?: string }
  | { type: 'text-delta'; text: string }
  /** `encrypted`: a Responses provider's encrypted reasoning, set on the part being written. */
  | { type: 'reasoning-delta'; text: string; signature?: string; encrypted?: EncryptedReasoning }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; arguments: string }
  | { type: 'tool-call-end'; index: number }
  /** Cumulative: a later usage event replaces the fields of an earlier one. */
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; stopSequence?: string; providerReason?: string }
  /** An error the provider reported inside its stream. */
  | { type: 'error'; failure: Failure };

/** Events that carry answer content: the first one of them is the commit point. */
export function isContentEvent(event: StreamEvent): boolean {
  return (
    event.type === 'text-delta' ||
    event.type === 'reasoning-delta' ||
    event.type === 'tool-call-start' ||
    event.type === 'tool-call-delta'
  );
}
