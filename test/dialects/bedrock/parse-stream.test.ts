import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { parseConverseStream } from '../../../functions/dialects/bedrock/parse-stream.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';

async function* from(events: ConverseStreamOutput[], thenThrow?: unknown): AsyncGenerator<ConverseStreamOutput> {
  for (const event of events) yield event;
  if (thenThrow) throw thenThrow;
}

async function collect(events: ConverseStreamOutput[], thenThrow?: unknown, jsonToolName?: string): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of parseConverseStream(from(events, thenThrow), jsonToolName ? { model: 'm', jsonToolName } : { model: 'm' })) out.push(event);
  return out;
}

describe('parseConverseStream', () => {
  it('maps each stop reason', async () => {
    const cases: [string, string][] = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop-sequence'],
      ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'],
      ['tool_use', 'tool-calls'],
      ['guardrail_intervened', 'content-filter'],
      ['content_filtered', 'content-filter'],
      ['something_new', 'other'],
    ];
    for (const [stopReason, reason] of cases) {
      const events = await collect([{ messageStart: { role: 'assistant' } }, { messageStop: { stopReason: stopReason as never } }]);
      expect(events.at(-1)).toEqual({ type: 'finish', reason, providerReason: stopReason });
    }
  });

  it('reports a malformed tool use as an error, not a finish', async () => {
    const events = await collect([{ messageStart: { role: 'assistant' } }, { messageStop: { stopReason: 'malformed_tool_use' } }]);
    expect(events.at(-1)).toEqual({ type: 'error', failure: { kind: 'server', message: 'Bedrock ended the answer with malformed_tool_use', providerCode: 'malformed_tool_use' } });
  });

  it('emits the finish once, after the usage that follows messageStop', async () => {
    const events = await collect([
      { messageStart: { role: 'assistant' } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'x' } } },
      { messageStop: { stopReason: 'end_turn' } },
      { metadata: { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: { latencyMs: 1 } } },
    ]);
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'usage', 'finish']);
  });

  it('closes tool calls left open when the message stops', async () => {
    const events = await collect([
      { contentBlockStart: { contentBlockIndex: 3, start: { toolUse: { toolUseId: 'a', name: 'f' } } } },
      { contentBlockDelta: { contentBlockIndex: 3, delta: { toolUse: { input: '{}' } } } },
      { messageStop: { stopReason: 'tool_use' } },
    ]);
    expect(events).toEqual([
      { type: 'tool-call-start', index: 0, id: 'a', name: 'f' },
      { type: 'tool-call-delta', index: 0, arguments: '{}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'tool-calls', providerReason: 'tool_use' },
    ]);
  });

  it('keeps real tool calls as tool calls in JSON mode', async () => {
    const events = await collect(
      [
        { contentBlockStart: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'a', name: 'get_weather' } } } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: 'tool_use' } },
      ],
      undefined,
      'json_response',
    );
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls', providerReason: 'tool_use' });
  });

  it('maps exception members of the stream union', async () => {
    const events = await collect([
      { messageStart: { role: 'assistant' } },
      { validationException: { name: 'ValidationException', $fault: 'client', message: 'Input is too long for requested model.' } as never },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'never' } } },
    ]);
    expect(events).toEqual([
      { type: 'start', model: 'm' },
      { type: 'error', failure: { kind: 'context-length', message: 'Input is too long for requested model.', providerCode: 'ValidationException' } },
    ]);
  });

  it('maps thrown modeled exceptions and rethrows anything else', async () => {
    const thrown = Object.assign(new Error('busy'), { name: 'ServiceUnavailableException', $fault: 'server' });
    expect(await collect([], thrown)).toEqual([{ type: 'error', failure: { kind: 'server', message: 'busy', providerCode: 'ServiceUnavailableException' } }]);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(collect([{ messageStart: { role: 'assistant' } }], reset)).rejects.toThrow('socket hang up');
  });

  it('throws instead of finishing when the stream ended because the attempt aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('idle-timeout'));
    const out: StreamEvent[] = [];
    const parse = parseConverseStream(from([{ messageStart: { role: 'assistant' } }, { messageStop: { stopReason: 'end_turn' } }]), { model: 'm', signal: controller.signal });
    await expect(
      (async () => {
        for await (const event of parse) out.push(event);
      })(),
    ).rejects.toThrow('idle-timeout');
    expect(out).toEqual([{ type: 'start', model: 'm' }]);
  });

  it('ignores unknown events', async () => {
    const events = await collect([{ $unknown: ['newThing', {}] }, { messageStop: { stopReason: 'end_turn' } }]);
    expect(events).toEqual([{ type: 'finish', reason: 'stop', providerReason: 'end_turn' }]);
  });
});
