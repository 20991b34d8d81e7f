import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnthropicStream, type StreamContext } from '../../../functions/dialects/anthropic/parse-stream.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';

/** Replays a recorded-shape transcript, split into awkward chunks (mid-line, mid-UTF-8). */
async function replay(name: string, context: StreamContext = {}, chunkSize = 37): Promise<StreamEvent[]> {
  const bytes = readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const events: StreamEvent[] = [];
  for await (const event of parseAnthropicStream(chunks(), context)) events.push(event);
  return events;
}

describe('parseAnthropicStream', () => {
  it('text answer, with a ping between blocks', async () => {
    expect(await replay('text.sse')).toEqual([
      { type: 'start', id: 'msg_01Text', model: 'claude-sonnet-4-5-20250929' },
      { type: 'usage', usage: { inputTokens: 18, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 } },
      { type: 'text-delta', text: 'Paris is' },
      { type: 'text-delta', text: ' the capital of France.' },
      { type: 'usage', usage: { inputTokens: 18, outputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0 } },
      { type: 'finish', reason: 'stop', providerReason: 'end_turn' },
    ]);
  });

  it('counts cached tokens into inputTokens and reports the matched stop sequence', async () => {
    const events = await replay('cached-stop-sequence.sse', {}, 5);
    expect(events.at(-2)).toEqual({ type: 'usage', usage: { inputTokens: 2105, outputTokens: 6, cacheReadTokens: 2000, cacheWriteTokens: 100 } });
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop-sequence', stopSequence: '4', providerReason: 'stop_sequence' });
  });

  it('text then a tool call: the call is index 0 although it is block 1', async () => {
    expect(await replay('tool-use.sse')).toEqual([
      { type: 'start', id: 'msg_01ToolX', model: 'claude-haiku-4-5-20251001' },
      { type: 'usage', usage: { inputTokens: 640, outputTokens: 2 } },
      { type: 'text-delta', text: 'Let me check.' },
      { type: 'tool-call-start', index: 0, id: 'toolu_01Q9', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city": "Os' },
      { type: 'tool-call-delta', index: 0, arguments: 'lo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'usage', usage: { inputTokens: 640, outputTokens: 41 } },
      { type: 'finish', reason: 'tool-calls', providerReason: 'tool_use' },
    ]);
  });

  it('parallel tool calls are numbered 0 and 1', async () => {
    const events = await replay('parallel-tools.sse');
    expect(events.filter((e) => e.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', index: 0, id: 'toolu_A', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":"Oslo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'toolu_B', name: 'get_weather' },
      { type: 'tool-call-delta', index: 1, arguments: '{"city":' },
      { type: 'tool-call-delta', index: 1, arguments: '"Bergen"}' },
      { type: 'tool-call-end', index: 1 },
    ]);
  });

  it('a tool without arguments gets "{}"', async () => {
    const events = await replay('no-arg-tool.sse');
    expect(events.filter((e) => e.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', index: 0, id: 'toolu_T', name: 'get_time' },
      { type: 'tool-call-delta', index: 0, arguments: '{}' },
      { type: 'tool-call-end', index: 0 },
    ]);
  });

  it('thinking with its signature, and a redacted block, before the text', async () => {
    const events = await replay('thinking.sse');
    expect(events.slice(2)).toEqual([
      { type: 'reasoning-delta', text: 'Two plus two' },
      { type: 'reasoning-delta', text: ' is four.' },
      { type: 'reasoning-delta', text: '', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h' },
      { type: 'reasoning-delta', text: '', signature: 'redacted_thinking:EmwKAhgBEgy3va3p' },
      { type: 'text-delta', text: '4' },
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 25 } },
      { type: 'finish', reason: 'stop', providerReason: 'end_turn' },
    ]);
  });

  it('a refusal without any content block', async () => {
    expect(await replay('refusal.sse')).toEqual([
      { type: 'start', id: 'msg_01Ref', model: 'claude-sonnet-4-5-20250929' },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 1 } },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 1 } },
      { type: 'finish', reason: 'content-filter', providerReason: 'refusal' },
    ]);
  });

  it('a mid-stream overloaded_error becomes a server failure and ends the events', async () => {
    expect(await replay('overloaded.sse')).toEqual([
      { type: 'start', id: 'msg_01Ovl', model: 'claude-sonnet-4-5-20250929' },
      { type: 'usage', usage: { inputTokens: 1200, outputTokens: 1 } },
      { type: 'text-delta', text: 'Hel' },
      { type: 'error', failure: { kind: 'server', message: 'Overloaded', providerCode: 'overloaded_error' } },
    ]);
  });

  it('skips a malformed data line, unknown events and citations; pause_turn is other', async () => {
    expect((await replay('malformed.sse')).slice(2)).toEqual([
      { type: 'text-delta', text: 'ok' },
      { type: 'usage', usage: { inputTokens: 7, outputTokens: 2 } },
      { type: 'finish', reason: 'other', providerReason: 'pause_turn' },
    ]);
  });

  it('JSON mode: the forced tool input comes out as text and the finish is stop', async () => {
    expect((await replay('json-mode.sse', { jsonToolName: 'json_answer' })).slice(2)).toEqual([
      { type: 'text-delta', text: '{"answer":' },
      { type: 'text-delta', text: ' 42}' },
      { type: 'usage', usage: { inputTokens: 80, outputTokens: 15 } },
      { type: 'finish', reason: 'stop', providerReason: 'tool_use' },
    ]);
  });

  it('without the JSON context the same tool is an ordinary tool call', async () => {
    const events = await replay('json-mode.sse');
    expect(events).toContainEqual({ type: 'tool-call-start', index: 0, id: 'toolu_J', name: 'json_answer' });
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', providerReason: 'tool_use' });
  });

  it('a cut connection makes the iteration throw', async () => {
    const bytes = readFileSync(new URL('./fixtures/text.sse', import.meta.url));
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, bytes.indexOf('\n\n') + 10);
      throw new Error('socket hang up');
    }
    const seen: StreamEvent[] = [];
    await expect(async () => {
      for await (const event of parseAnthropicStream(cut())) seen.push(event);
    }).rejects.toThrow('socket hang up');
    expect(seen[0]).toEqual({ type: 'start', id: 'msg_01Text', model: 'claude-sonnet-4-5-20250929' });
  });
});
