import type { FinishReason, StreamEvent, Usage } from './events.ts';
import type { AnswerPart } from './request.ts';

/** A whole answer, aggregated from events, for clients that did not ask for a stream. */
export interface Answer {
  id?: string;
  /** The upstream model that served the answer, as the provider named it. */
  model?: string;
  content: AnswerPart[];
  finishReason: FinishReason;
  stopSequence?: string;
  usage?: Usage;
}

/** Folds a stream of events into an Answer. Contiguous deltas of one kind merge into one part. */
export class AnswerBuilder {
  private readonly answer: Answer = { content: [], finishReason: 'other' };
  private readonly toolParts = new Map<number, Extract<AnswerPart, { type: 'tool-call' }>>();
  finished = false;

  add(event: StreamEvent): void {
    const content = this.answer.content;
    const last = content[content.length - 1];
    switch (event.type) {
      case 'start':
        if (event.id) this.answer.id = event.id;
        if (event.model) this.answer.model = event.model;
        break;
      case 'text-delta':
        if (last?.type === 'text') last.text += event.text;
        else content.push({ type: 'text', text: event.text });
        break;
      case 'reasoning-delta':
        // A signature closes its thinking block: reasoning after it is another part.
        if (last?.type === 'reasoning' && !last.signature) {
          last.text += event.text;
          if (event.signature) last.signature = (last.signature ?? '') + event.signature;
          if (event.encrypted) last.encrypted = event.encrypted;
        } else {
          content.push({
            type: 'reasoning',
            text: event.text,
            ...(event.signature ? { signature: event.signature } : {}),
            ...(event.encrypted ? { encrypted: event.encrypted } : {}),
          });
        }
        break;
      case 'tool-call-start': {
        const part = { type: 'tool-call' as const, id: event.id, name: event.name, arguments: '' };
        this.toolParts.set(event.index, part);
        content.push(part);
        break;
      }
      case 'tool-call-delta': {
        const part = this.toolParts.get(event.index);
        if (part) part.arguments += event.arguments;
        break;
      }
      case 'usage':
        this.answer.usage = { ...this.answer.usage, ...event.usage };
        break;
      case 'finish':
        this.finished = true;
        this.answer.finishReason = event.reason;
        if (event.stopSequence) this.answer.stopSequence = event.stopSequence;
        break;
      default:
        break;
    }
  }

  result(): Answer {
    return this.answer;
  }
}
