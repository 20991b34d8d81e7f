import type { ResponseMeta, StreamEncoder } from './dialect.ts';
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
  /**
   * The answer is whole (the stream may still carry usage and its closing frame). `final`: the
   * whole response object the event carried (a Responses `response.completed`), for the
   * proxy's response store.
   */
  | { type: 'terminal'; reason: FinishReason; usage?: Usage; /** The same event also carried content. */ content?: true; final?: Record<string, unknown> }
  /** Usage reported apart from the terminal event (cumulative: it replaces fields read before). */
  | { type: 'usage'; usage: Usage }
  /** The stream's closing frame (`message_stop`, `[DONE]`): nothing follows, the body can go. */
  | { type: 'end' }
  /** An error the provider reported inside its stream. */
  | { type: 'failure'; failure: Failure };

/** Reads one SSE event (its `event:` name, '' when none, and its data). */
export type LaneScanner = (event: string, data: string) => LaneSignal | undefined;

/**
 * What one upstream chunk gave on the pass-through lane: the bytes of its whole SSE events, as
 * received, for the client, and what the scanner read in them. An event split across chunks
 * belongs to the frame of the chunk that completes it. A provider's error event is never in
 * `bytes`: it ends the frames with `failure`, and the proxy writes the in-band error itself.
 */
export interface LaneFrame {
  bytes: Uint8Array;
  /** One of the events carried content. */
  content: boolean;
  /** Usage read in this frame's events, merged (mergeUsage). */
  usage?: Usage;
  terminal?: { reason: FinishReason; final?: Record<string, unknown> };
  failure?: Failure;
}

/**
 * Merges usage read in pieces. Counts are cumulative, so the larger one wins: Anthropic's
 * `message_delta` often omits `input_tokens` (read as 0), which must not erase `message_start`'s.
 */
export function mergeUsage(a: Usage | undefined, b: Usage): Usage {
  if (!a) return b;
  const merged: Usage = { inputTokens: Math.max(a.inputTokens, b.inputTokens), outputTokens: Math.max(a.outputTokens, b.outputTokens) };
  for (const field of ['cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const) {
    const x = a[field];
    const y = b[field];
    if (x !== undefined || y !== undefined) merged[field] = Math.max(x ?? 0, y ?? 0);
  }
  return merged;
}

/** What the client has been sent on the pass-through lane, as a continuation sees it. */
export interface LaneSent {
  /** The answer's text so far (what a continuation carries on from). */
  text: string;
  /** The last part sent was text, with no tool call or signed reasoning before it. */
  continuable: boolean;
}

/**
 * Follows the client's stream on the pass-through lane (one per attempt, one per API): sees each
 * event forwarded to the client, keeping only the little state needed to write after it — the
 * in-band error that closes a broken stream, or a continuation's events at the client's current
 * stream state (Anthropic's next block index, Chat's id and model, Responses' sequence numbers).
 */
export interface LaneTracker {
  see(event: string, data: string): void;
  sent(): LaneSent;
  /** An encoder positioned after what the client has: no second start, the same ids. */
  encoder(meta: ResponseMeta): StreamEncoder;
}
