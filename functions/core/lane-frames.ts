import { MAX_SSE_EVENT_CHARS } from '../dialects/shared/sse.ts';
import type { LaneFrame, LaneScanner, LaneTracker } from '../ir/lane.ts';
import { mergeUsage } from '../ir/lane.ts';

const EMPTY = new Uint8Array(0);
const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/**
 * The pass-through lane's reader: splits the upstream's SSE bytes into whole events (WHATWG line
 * ends: `\n`, `\r\n`, `\r`), lets the scanner read each one, and yields one frame per chunk with
 * the bytes of its whole events exactly as received (a sub-array of the chunk when no event
 * straddles a chunk boundary: no copy, no re-encoding). Field values are decoded only to be
 * scanned. A provider's error event ends the frames (its bytes stay here); so does the closing
 * frame (`[DONE]`, `message_stop`), after which the body is released. An event larger than
 * MAX_SSE_EVENT_CHARS throws, as the IR's parser does.
 */
export async function* laneFrames(body: AsyncIterable<Uint8Array>, scan: LaneScanner, tracker?: LaneTracker): AsyncGenerator<LaneFrame> {
  /**
   * The unfinished event carried over from earlier chunks, in pieces: joined (and parsed from its
   * start) only once a chunk ends it, so a large event costs one copy, not one per chunk.
   */
  let carry: Buffer[] = [];
  let carried = 0;
  let lineStart = 0;
  let event = '';
  let data: string[] = [];

  const read = (buf: Buffer, final: boolean): { frame: LaneFrame; ended: boolean; rest: number } => {
    const frame: LaneFrame = { bytes: EMPTY, content: false };
    let eventStart = 0;
    let ended = false;
    let i = 0;
    lineStart = 0;
    // What goes to the client: runs of whole events; a dropped event splits them.
    let runStart = 0;
    let runEnd = 0;
    let runs: Buffer[] | undefined;
    const settle = () => {
      const run = buf.subarray(runStart, runEnd);
      frame.bytes = runs ? Buffer.concat([...runs, run]) : run;
    };
    const take = (end: number): boolean => {
      const message = { event, data: data.join('\n') };
      event = '';
      data = [];
      const blank = message.data === '' && message.event === '';
      if (!blank && malformed(message.data)) {
        // Skipped, as the IR's parsers skip it: a client SDK would throw on it.
        if (runEnd > runStart) (runs ??= []).push(buf.subarray(runStart, runEnd));
        runStart = runEnd = end;
        return true;
      }
      // A comment-only block (a keep-alive) goes to the client as it came.
      const signal = blank ? undefined : scan(message.event, message.data);
      if (signal?.type === 'failure') {
        frame.failure = signal.failure;
        return false;
      }
      runEnd = end;
      if (!blank) tracker?.see(message.event, message.data);
      if (!signal) return true;
      if (signal.type === 'content') frame.content = true;
      else if (signal.type === 'usage') frame.usage = mergeUsage(frame.usage, signal.usage);
      else if (signal.type === 'terminal') {
        if (signal.content) frame.content = true;
        if (signal.usage) frame.usage = mergeUsage(frame.usage, signal.usage);
        frame.terminal = { reason: signal.reason, ...(signal.final ? { final: signal.final } : {}) };
      } else if (signal.type === 'end') ended = true;
      return !ended;
    };
    for (; i < buf.length; i++) {
      const ch = buf[i]!;
      if (ch !== LF && ch !== CR) continue;
      // A CR at the chunk's end may be the first half of a CRLF: decided with the next chunk.
      if (ch === CR && i + 1 >= buf.length && !final) break;
      const lineEnd = i;
      if (ch === CR && buf[i + 1] === LF) i++;
      if (lineEnd === lineStart) {
        // A blank line ends the event.
        const go = take(i + 1);
        eventStart = i + 1;
        lineStart = i + 1;
        if (!go) {
          settle();
          return { frame, ended: true, rest: eventStart };
        }
        continue;
      }
      field(buf, lineStart, lineEnd);
      lineStart = i + 1;
    }
    if (final) {
      if (lineStart < buf.length) field(buf, lineStart, buf.length);
      // A last event without its blank line still counts (as in parseSse).
      if (data.length > 0) take(buf.length);
      settle();
      return { frame, ended, rest: buf.length };
    }
    settle();
    // The unfinished event is parsed again from its start once it is whole.
    event = '';
    data = [];
    return { frame, ended, rest: eventStart };
  };

  const field = (buf: Buffer, start: number, end: number): void => {
    if (buf[start] === COLON) return;
    const colon = buf.indexOf(COLON, start);
    const nameEnd = colon === -1 || colon > end ? end : colon;
    let valueStart = nameEnd === end ? end : nameEnd + 1;
    if (buf[valueStart] === SPACE && valueStart < end) valueStart++;
    const name = buf.toString('latin1', start, nameEnd);
    if (name === 'data') data.push(buf.toString('utf8', valueStart, end));
    else if (name === 'event') event = buf.toString('utf8', valueStart, end);
  };

  for await (const chunk of body) {
    const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (carried > 0 && !endsEvent(carry[carry.length - 1]!, piece)) {
      carry.push(piece);
      carried += piece.length;
      if (carried > MAX_SSE_EVENT_CHARS) throw new Error(`an upstream SSE event exceeds ${MAX_SSE_EVENT_CHARS} bytes`);
      continue;
    }
    const buf = carried > 0 ? Buffer.concat([...carry, piece]) : piece;
    const { frame, ended, rest } = read(buf, false);
    yield* emit(frame);
    if (frame.failure || ended) return;
    carry = rest < buf.length ? [buf.subarray(rest)] : [];
    carried = buf.length - rest;
    if (carried > MAX_SSE_EVENT_CHARS) throw new Error(`an upstream SSE event exceeds ${MAX_SSE_EVENT_CHARS} bytes`);
  }
  if (carried > 0) yield* emit(read(carry.length === 1 ? carry[0]! : Buffer.concat(carry), true).frame);
}

/**
 * Whether `next` holds the blank line that ends the event carried so far (whose last piece is
 * `before`): a line end at the start of a line. Only the new bytes are looked at.
 */
function endsEvent(before: Buffer, next: Buffer): boolean {
  const last = before[before.length - 1];
  let atLineStart = last === LF || last === CR;
  let i = 0;
  // A CR closing the carried part and an LF opening this one are one CRLF.
  if (last === CR && next[0] === LF) i = 1;
  for (; i < next.length; i++) {
    const ch = next[i]!;
    if (ch !== LF && ch !== CR) {
      atLineStart = false;
      continue;
    }
    if (atLineStart) return true;
    atLineStart = true;
    if (ch === CR && next[i + 1] === LF) i++;
  }
  return false;
}

/**
 * Data that cannot be one JSON object (a garbled or truncated event), checked by its ends only:
 * the lane never parses what it does not need. `[DONE]` is Chat Completions' closing frame.
 */
function malformed(data: string): boolean {
  if (data === '[DONE]') return false;
  const first = data.charCodeAt(0);
  const last = data.charCodeAt(data.length - 1);
  return first !== 123 /* { */ || (last !== 125 /* } */ && data.trimEnd().charCodeAt(data.trimEnd().length - 1) !== 125);
}

/** A frame as the attempt reads it: what was forwarded, then (alone) the failure that ends the stream. */
function* emit(frame: LaneFrame): Generator<LaneFrame> {
  const { failure, ...read } = frame;
  if (read.bytes.length > 0 || read.content || read.usage || read.terminal) yield read;
  if (failure) yield { bytes: EMPTY, content: false, failure };
}
