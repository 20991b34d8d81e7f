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
  const decoder = new TextDecoder();
  /** The unfinished line carried over from earlier chunks, in pieces. */
  let partial: string[] = [];
  let partialChars = 0;
  let event = '';
  let data: string[] = [];
  let dataChars = 0;
  let sawCr = false;

  for await (const chunk of body) {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      // A "\r\n" split across chunks: the "\n" closes nothing new.
      if (ch === 10 && sawCr && i === 0 && partialChars === 0) {
        sawCr = false;
        start = 1;
        continue;
      }
      let line = text.slice(start, i);
      if (partialChars > 0) {
        line = partial.join('') + line;
        partial = [];
        partialChars = 0;
      }
      if (ch === 13 && text.charCodeAt(i + 1) === 10) i++;
      sawCr = ch === 13 && i + 1 >= text.length;
      start = i + 1;
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n') };
        event = '';
        data = [];
        dataChars = 0;
        continue;
      }
      if (line.charCodeAt(0) === 58 /* ':' */) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (field === 'data') {
        data.push(value);
        dataChars += value.length;
      } else if (field === 'event') event = value;
    }
    if (start < text.length) {
      partial.push(text.slice(start));
      partialChars += text.length - start;
    }
    if (partialChars + dataChars > maxEventChars) throw new Error(`an upstream SSE event exceeds ${maxEventChars} characters`);
  }
  const last = partial.join('') + decoder.decode();
  // A final event without its blank line still counts if complete lines were read.
  if (last !== '' && last.startsWith('data:')) data.push(last.slice(5).replace(/^ /, ''));
  if (data.length > 0) yield { event, data: data.join('\n') };
}

/** Encodes one SSE event. */
export function sse(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
