/** One Server-Sent Event. `event` is empty when the stream used no `event:` field. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Parses an SSE byte stream incrementally (WHATWG rules: `\n`, `\r\n` or `\r` line ends; comment
 * lines starting with `:` ignored; multi-line `data` joined with `\n`). A stream cut in the middle
 * of an event drops that partial event: the caller sees the source's error, not half an event.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let sawCr = false;

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const ch = buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      // A "\r\n" split across chunks: the "\n" closes nothing new.
      if (ch === 10 && sawCr && i === start) {
        sawCr = false;
        start = i + 1;
        continue;
      }
      const line = buffer.slice(start, i);
      if (ch === 13 && buffer.charCodeAt(i + 1) === 10) i++;
      sawCr = ch === 13 && i + 1 >= buffer.length;
      start = i + 1;
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n') };
        event = '';
        data = [];
        continue;
      }
      if (line.charCodeAt(0) === 58 /* ':' */) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  // A final event without its blank line still counts if complete lines were read.
  if (buffer !== '' && buffer.startsWith('data:')) data.push(buffer.slice(5).replace(/^ /, ''));
  if (data.length > 0) yield { event, data: data.join('\n') };
}

/** Encodes one SSE event. */
export function sse(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
