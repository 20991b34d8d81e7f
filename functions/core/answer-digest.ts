import type { FinishReason, StreamEvent, Usage } from '../ir/events.ts';

/** Texts are kept to their first 8 K characters: enough to compare answers, bounded in memory. */
export const TEXT_BOUND = 8 * 1024;

/** Appends `piece` to `text`, keeping at most TEXT_BOUND characters. */
export function appendBounded(text: string, piece: string): string {
  if (text.length >= TEXT_BOUND) return text;
  return text.length + piece.length <= TEXT_BOUND ? text + piece : text + piece.slice(0, TEXT_BOUND - text.length);
}

/**
 * What is worth keeping of an answer read event by event, without holding the answer: its usage
 * (merged as providers send it in parts), its finish reason and, when asked (a shadow comparison),
 * its text bounded by TEXT_BOUND.
 */
export class AnswerDigest {
  usage?: Usage;
  finishReason?: FinishReason;
  text?: string;

  constructor(keepText: boolean) {
    if (keepText) this.text = '';
  }

  add(event: StreamEvent): void {
    if (event.type === 'usage') this.usage = { ...this.usage, ...event.usage };
    else if (event.type === 'finish') this.finishReason = event.reason;
    else if (event.type === 'text-delta' && this.text !== undefined) this.text = appendBounded(this.text, event.text);
  }

  /** The fields that are set, ready to spread. */
  summary(): { usage?: Usage; finishReason?: FinishReason; text?: string } {
    return {
      ...(this.usage ? { usage: this.usage } : {}),
      ...(this.finishReason ? { finishReason: this.finishReason } : {}),
      ...(this.text !== undefined ? { text: this.text } : {}),
    };
  }
}
