/** One Server-Sent Event. `event` is empty when the stream used no `event:` field. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * The largest single event (its data lines and any partial line) the parser holds: far above any
 * provider's real event, far below what an endless line without a newline would cost.
 */
export const MAX_SSE_EVENT_CHARS = 8 * 1024 * 1024;

/**
 * Parses an SSE byte stream incrementally (WHATWG rules: `\n`, `\r\n` or `\r` line ends; comment
 * lines starting with `:` ignored; multi-line `data` joined with `\n`). A stream cut in the middle
 * of an event drops that partial event: the caller sees the source's error, not half an event.
 * Each chunk is scanned once (a line split across chunks is kept as pieces, joined when it ends),
 * and an event larger than `maxEventChars` ends the stream with an error instead of growing.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>, maxEventChars = MAX_SSE_EVENT_CHARS): AsyncGenerator<SseMessage> {
  const reader = new SseReader(maxEventChars);
  for await (const chunk of body) {
    yield* reader.push(chunk);
    reader.assertBounded();
  }
  yield* reader.end();
}

/**
 * The SSE parser of parseSse as a plain object: `push` takes the next chunk and returns the events
 * it completed, synchronously. A stream parser that reads the body itself (one async loop per
 * chunk, not one more async generator step per event) uses it directly. After handling a chunk's
 * events, `assertBounded` throws if the unfinished event has grown past `maxEventChars`.
 */
export class SseReader {
  private readonly maxEventChars: number;
  private readonly decoder = new TextDecoder();
  /** The unfinished line carried over from earlier chunks, in pieces. */
  private partial: string[] = [];
  private partialChars = 0;
  private event = '';
  private data: string[] = [];
  private dataChars = 0;
  private sawCr = false;

  constructor(maxEventChars = MAX_SSE_EVENT_CHARS) {
    this.maxEventChars = maxEventChars;
  }

  push(chunk: Uint8Array): SseMessage[] {
    const messages: SseMessage[] = [];
    const text = this.decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      // A "\r\n" split across chunks: the "\n" closes nothing new.
      if (ch === 10 && this.sawCr && i === 0 && this.partialChars === 0) {
        this.sawCr = false;
        start = 1;
        continue;
      }
      let line = text.slice(start, i);
      if (this.partialChars > 0) {
        line = this.partial.join('') + line;
        this.partial = [];
        this.partialChars = 0;
      }
      if (ch === 13 && text.charCodeAt(i + 1) === 10) i++;
      this.sawCr = ch === 13 && i + 1 >= text.length;
      start = i + 1;
      if (line === '') {
        if (this.data.length > 0) messages.push({ event: this.event, data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') });
        this.event = '';
        this.data = [];
        this.dataChars = 0;
        continue;
      }
      if (line.charCodeAt(0) === 58 /* ':' */) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (field === 'data') {
        this.data.push(value);
        this.dataChars += value.length;
      } else if (field === 'event') this.event = value;
    }
    if (start < text.length) {
      this.partial.push(text.slice(start));
      this.partialChars += text.length - start;
    }
    return messages;
  }

  /** Throws when the event still being read exceeds the bound. */
  assertBounded(): void {
    if (this.partialChars + this.dataChars > this.maxEventChars) throw new Error(`an upstream SSE event exceeds ${this.maxEventChars} characters`);
  }

  /** The body ended: a final event without its blank line still counts if complete lines were read. */
  end(): SseMessage[] {
    const last = this.partial.join('') + this.decoder.decode();
    if (last !== '' && last.startsWith('data:')) this.data.push(last.slice(5).replace(/^ /, ''));
    return this.data.length > 0 ? [{ event: this.event, data: this.data.join('\n') }] : [];
  }
}

/**
 * A provider stream parser's outer loop: the body's chunks are read here and their SSE messages
 * handed to `read` synchronously, which pushes IR events into `out` and returns true once nothing
 * more is to be read (the terminal frame, an error). One async step per chunk and one yield per
 * event, instead of an SSE generator step per message.
 */
export async function* eventsByChunk<T>(body: AsyncIterable<Uint8Array>, out: T[], read: (message: SseMessage) => boolean): AsyncGenerator<T> {
  const reader = new SseReader();
  for await (const bytes of body) {
    let over = false;
    for (const message of reader.push(bytes)) if ((over = read(message))) break;
    for (const event of out.splice(0)) yield event;
    if (over) return;
    reader.assertBounded();
  }
  for (const message of reader.end()) if (read(message)) break;
  for (const event of out.splice(0)) yield event;
}

/** Encodes one SSE event. */
export function sse(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
