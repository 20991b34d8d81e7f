import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { laneFrames } from '../../functions/core/lane-frames.ts';
import { scanMessagesEvent } from '../../functions/dialects/anthropic/pass-through.ts';
import { scanChatCompletionsEvent } from '../../functions/dialects/openai/pass-through.ts';
import { scanResponsesEvent } from '../../functions/dialects/openai-responses/pass-through.ts';
import type { LaneFrame, LaneScanner } from '../../functions/ir/lane.ts';

/**
 * The pass-through lane's reader: the client gets the upstream's bytes exactly, however the
 * upstream's chunks cut the events, and the scanner sees every whole event once.
 */

async function* chunks(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= at) continue;
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

async function read(bytes: Uint8Array, cuts: number[], scan: LaneScanner): Promise<{ out: Buffer; frames: LaneFrame[] }> {
  const frames: LaneFrame[] = [];
  for await (const frame of laneFrames(chunks(bytes, cuts), scan)) frames.push(frame);
  return { out: Buffer.concat(frames.map((f) => f.bytes)), frames };
}

/** Cuts at every position, and pseudo-random multi-cuts. */
function cutSets(length: number): number[][] {
  const sets: number[][] = [[]];
  for (let i = 1; i < length; i += Math.max(1, Math.floor(length / 97))) sets.push([i]);
  let seed = 7;
  for (let n = 0; n < 20; n++) {
    const cuts: number[] = [];
    for (let k = 0; k < 12; k++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      cuts.push(seed % length);
    }
    sets.push(cuts.sort((a, b) => a - b));
  }
  return sets;
}

const suites: { api: string; dir: URL; scan: LaneScanner }[] = [
  { api: 'Chat Completions', dir: new URL('../dialects/openai/fixtures/', import.meta.url), scan: scanChatCompletionsEvent },
  { api: 'Messages', dir: new URL('../dialects/anthropic/fixtures/', import.meta.url), scan: scanMessagesEvent },
  { api: 'Responses', dir: new URL('../dialects/openai-responses/fixtures/', import.meta.url), scan: scanResponsesEvent },
];

describe('laneFrames passes recorded streams through byte for byte', () => {
  for (const suite of suites) {
    for (const name of readdirSync(suite.dir).filter((f) => f.endsWith('.sse') && f !== 'malformed.sse')) {
      it(`${suite.api}: ${name}, cut anywhere`, async () => {
        const bytes = readFileSync(new URL(name, suite.dir));
        const whole = await read(bytes, [], suite.scan);
        const failed = whole.frames.some((f) => f.failure);
        for (const cuts of cutSets(bytes.length)) {
          const { out, frames } = await read(bytes, cuts, suite.scan);
          expect(out.equals(whole.out)).toBe(true);
          expect(frames.some((f) => f.content)).toBe(whole.frames.some((f) => f.content));
          expect(frames.some((f) => f.failure)).toBe(failed);
        }
        // Up to its failure or its closing frame, nothing is held back or changed.
        if (!failed) expect(bytes.toString('utf8').startsWith(whole.out.toString('utf8'))).toBe(true);
      });
    }
  }
});

describe('laneFrames', () => {
  const enc = (text: string) => new TextEncoder().encode(text);

  it('keeps CRLF and CR line ends, comments and multi-byte text exactly', async () => {
    const text = ': keep-alive\r\n\r\nevent: content_block_delta\r\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"é日本"}}\r\n\r\nevent: message_stop\rdata: {"type":"message_stop"}\r\r';
    const bytes = enc(text);
    for (const cuts of cutSets(bytes.length)) {
      const { out, frames } = await read(bytes, cuts, scanMessagesEvent);
      expect(out.toString('utf8')).toBe(text);
      expect(frames.some((f) => f.content)).toBe(true);
    }
  });

  it('drops an event that cannot be JSON, as the IR parser skips it, and keeps the rest exact', async () => {
    const good = 'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n';
    const { out } = await read(enc(`${good}data: {"id":"x", not json\n\n${good}data: [DONE]\n\n`), [], scanChatCompletionsEvent);
    expect(out.toString('utf8')).toBe(`${good}${good}data: [DONE]\n\n`);
  });

  it('ends at a provider error event, whose bytes stay with the proxy', async () => {
    const good = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n';
    const error = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    const { frames } = await read(enc(good + error + good), [], scanMessagesEvent);
    expect(frames.map((f) => [Buffer.from(f.bytes).toString('utf8'), f.failure?.kind])).toEqual([
      [good, undefined],
      ['', 'server'],
    ]);
  });

  it('stops at the closing frame and counts a last event without its blank line', async () => {
    const chat = 'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\ndata: {"late":1}\n\n';
    const { out } = await read(enc(chat), [], scanChatCompletionsEvent);
    expect(out.toString('utf8')).toBe(chat.slice(0, chat.indexOf('data: {"late')));
    const unterminated = 'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}';
    const last = await read(enc(unterminated), [], scanChatCompletionsEvent);
    expect(last.frames[0]).toMatchObject({ content: true, terminal: { reason: 'stop' } });
    expect(Buffer.from(last.frames[0]!.bytes).toString('utf8')).toBe(unterminated);
  });
});
