import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGeminiStream } from '../../../functions/dialects/gemini/parse-stream.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';

function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** Feeds the text in small pieces, so events split across chunks are exercised. */
async function* chunks(text: string, size = 37): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function replay(text: string): Promise<StreamEvent[]> {
  let n = 0;
  const out: StreamEvent[] = [];
  for await (const event of parseGeminiStream(chunks(text), () => `call_gen${n++}`)) out.push(event);
  return out;
}

describe('parseGeminiStream (recorded-shape fixtures)', () => {
  it('text: start from the first chunk, deltas, then usage and finish once at the end', async () => {
    expect(await replay(fixture('text.sse'))).toEqual([
      { type: 'start', id: 'resp-text-1', model: 'gemini-2.5-flash' },
      { type: 'text-delta', text: 'Oslo is' },
      { type: 'text-delta', text: ' cold today.' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 6 } },
      { type: 'finish', reason: 'stop', providerReason: 'STOP' },
    ]);
  });

  it('accepts CRLF-separated events', async () => {
    const events = await replay(fixture('text.sse').replace(/\n/g, '\r\n'));
    expect(events.filter((e) => e.type === 'text-delta')).toHaveLength(2);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop', providerReason: 'STOP' });
  });

  it('function call: a whole call becomes start + one delta + end, and STOP becomes tool-calls', async () => {
    expect(await replay(fixture('function-call.sse'))).toEqual([
      { type: 'start', id: 'resp-fc-1', model: 'gemini-2.5-flash' },
      { type: 'text-delta', text: 'Let me check.' },
      { type: 'tool-call-start', index: 0, id: 'call_gen0', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":"Oslo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'usage', usage: { inputTokens: 40, outputTokens: 14 } },
      { type: 'finish', reason: 'tool-calls', providerReason: 'STOP' },
    ]);
  });

  it('parallel function calls: ordinal indexes, generated ids unless Gemini gave one', async () => {
    const events = await replay(fixture('parallel-function-calls.sse'));
    expect(events.filter((e) => e.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_gen0', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":"Oslo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_gen1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 1, arguments: '{"city":"Bergen"}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'tool-call-start', index: 2, id: 'fc-3', name: 'get_time' },
      { type: 'tool-call-delta', index: 2, arguments: '{}' },
      { type: 'tool-call-end', index: 2 },
    ]);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', providerReason: 'STOP' });
  });

  it('thinking: thought parts are reasoning; usage counts thoughts as output and reports the cache', async () => {
    expect(await replay(fixture('thinking.sse'))).toEqual([
      { type: 'start', id: 'resp-think-1', model: 'gemini-2.5-pro' },
      { type: 'reasoning-delta', text: '**Weighing the options**\nThe user wants a short answer.' },
      { type: 'text-delta', text: 'Forty-two.' },
      { type: 'usage', usage: { inputTokens: 1200, outputTokens: 93, cacheReadTokens: 1024, reasoningTokens: 90 } },
      { type: 'finish', reason: 'stop', providerReason: 'STOP' },
    ]);
  });

  it('a blocked prompt is a content-policy failure', async () => {
    expect(await replay(fixture('prompt-blocked.sse'))).toEqual([
      { type: 'start', id: 'resp-block-1', model: 'gemini-2.5-flash' },
      { type: 'error', failure: { kind: 'content-policy', message: 'Gemini blocked the prompt (PROHIBITED_CONTENT)', providerCode: 'PROHIBITED_CONTENT' } },
    ]);
  });

  it('a SAFETY finish is a content-filter finish', async () => {
    const events = await replay(fixture('safety-finish.sse'));
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'content-filter', providerReason: 'SAFETY' });
  });

  it('a repeated finishReason yields one finish, with the last reason and the last usage', async () => {
    const events = await replay(fixture('repeated-finish.sse'));
    expect(events.filter((e) => e.type === 'finish')).toEqual([{ type: 'finish', reason: 'length', providerReason: 'MAX_TOKENS' }]);
    expect(events.filter((e) => e.type === 'usage')).toEqual([{ type: 'usage', usage: { inputTokens: 5, outputTokens: 5 } }]);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['usage', 'finish']);
  });

  it('an error object in the stream is an error event that ends the stream', async () => {
    expect(await replay(fixture('in-stream-error.sse'))).toEqual([
      { type: 'start', id: 'resp-err-1', model: 'gemini-2.5-flash' },
      { type: 'text-delta', text: 'Partial' },
      { type: 'error', failure: { kind: 'server', status: 503, message: 'The model is overloaded. Please try again later.', providerCode: 'UNAVAILABLE' } },
    ]);
  });

  it('skips a malformed event, and yields no finish when the stream ends without a finishReason', async () => {
    const text = 'data: {not json\n\n' + fixture('function-call.sse').split('\n\n')[0] + '\n\n';
    const events = await replay(text);
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'usage']);
  });

  it('maps the other finish reasons', async () => {
    for (const [raw, reason] of [['RECITATION', 'content-filter'], ['BLOCKLIST', 'content-filter'], ['SPII', 'content-filter'], ['IMAGE_SAFETY', 'content-filter'], ['MALFORMED_FUNCTION_CALL', 'other'], ['OTHER', 'other']] as const) {
      const events = await replay(`data: {"candidates":[{"finishReason":"${raw}","index":0}]}\n\n`);
      expect(events.at(-1)).toEqual({ type: 'finish', reason, providerReason: raw });
    }
  });

  it('generates distinct ids by default', async () => {
    const ids: string[] = [];
    for await (const event of parseGeminiStream(chunks(fixture('parallel-function-calls.sse')))) if (event.type === 'tool-call-start') ids.push(event.id);
    expect(ids[0]).toMatch(/^call_[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(3);
  });
});
