import type { FinishReason, Usage } from './events.ts';
import type { Failure } from './failure.ts';

/**
 * The pass-through lane's reading of one upstream SSE event: the bytes go to the client unchanged,
 * and the attempt loop learns only what it needs. One scanner per API (Chat Completions,
 * Messages, Responses) maps an event to one of these, or to `undefined` (nothing to act on).
 */
export type LaneSignal =
  /** The first of these is the commit point. */
  | { type: 'content' }
  /** The answer is whole (the stream may still carry usage and its closing frame). */
  | { type: 'terminal'; reason: FinishReason; usage?: Usage; /** The same event also carried content. */ content?: true }
  /** Usage reported apart from the terminal event (cumulative: it replaces fields read before). */
  | { type: 'usage'; usage: Usage }
  /** An error the provider reported inside its stream. */
  | { type: 'failure'; failure: Failure };

/** Reads one SSE event (its `event:` name, '' when none, and its data). */
export type LaneScanner = (event: string, data: string) => LaneSignal | undefined;
