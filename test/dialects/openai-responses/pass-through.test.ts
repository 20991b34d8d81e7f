import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { responsesPassThroughBody, scanResponsesEvent, type LaneSignal } from '../../../functions/dialects/openai-responses/pass-through.ts';
import { parseSse } from '../../../functions/dialects/shared/sse.ts';

async function scan(name: string): Promise<{ type: string; signal: LaneSignal }[]> {
  const text = readFileSync(new URL(`./fixtures/${name}.sse`, import.meta.url), 'utf8');
  const out: { type: string; signal: LaneSignal }[] = [];
  async function* body() {
    yield new TextEncoder().encode(text);
  }
  for await (const message of parseSse(body())) {
    const signal = scanResponsesEvent(message.event, message.data);
    if (signal) out.push({ type: message.event, signal });
  }
  return out;
}

describe('the pass-through scanner of Responses streams', () => {
  it('text: the first output_text.delta is content; response.completed is the terminal event with usage', async () => {
    const signals = await scan('text');
    expect(signals[0]).toEqual({ type: 'response.output_text.delta', signal: { type: 'content' } });
    expect(signals.at(-1)).toEqual({
      type: 'response.completed',
      signal: { type: 'terminal', reason: 'stop', usage: { inputTokens: 14, outputTokens: 9 }, final: expect.objectContaining({ object: 'response', status: 'completed' }) },
    });
  });

  it('reasoning then a function call: reasoning summary is content; the terminal says tool calls', async () => {
    const signals = await scan('reasoning-function-call');
    expect(signals[0]!.type).toBe('response.reasoning_summary_text.delta');
    expect(signals.at(-1)!.signal).toMatchObject({ type: 'terminal', reason: 'tool-calls', usage: { reasoningTokens: 24 } });
  });

  it('response.failed before any content is a failure to fail over from; incomplete is a length finish', async () => {
    expect(await scan('failed')).toEqual([{ type: 'response.failed', signal: { type: 'failure', failure: expect.objectContaining({ kind: 'server' }) } }]);
    expect((await scan('incomplete')).at(-1)!.signal).toMatchObject({ type: 'terminal', reason: 'length' });
  });

  it('an error event (named or not) is a failure classified by its code', () => {
    const data = JSON.stringify({ type: 'error', code: 'rate_limit_exceeded', message: 'slow down', param: null, sequence_number: 3 });
    expect(scanResponsesEvent('error', data)).toMatchObject({ type: 'failure', failure: { kind: 'rate-limit' } });
    expect(scanResponsesEvent('', data)).toMatchObject({ type: 'failure', failure: { kind: 'rate-limit' } });
    expect(scanResponsesEvent('response.in_progress', '{"type":"response.in_progress"}')).toBeUndefined();
  });
});

describe('the proxy edits of a pass-through Responses body', () => {
  it('replaces the model, unwraps reasoning this provider issued, drops what another issued, keeps the rest as sent', () => {
    const body = {
      model: 'alias',
      store: false,
      future_field: { kept: true },
      input: [
        { role: 'user', content: 'Hi' },
        { type: 'reasoning', id: 'rs_proxy1', summary: [], encrypted_content: 'understudy.1:openai:r:rs_orig:gAAAAmine' },
        { type: 'reasoning', id: 'rs_proxy2', summary: [], encrypted_content: 'understudy.1:azure:r:rs_other:gAAAAtheirs' },
        { type: 'reasoning', id: 'rs_proxy3', summary: [], encrypted_content: 'understudy.1:claude:s:c2lnbmF0dXJl' },
        { type: 'reasoning', id: 'rs_raw', summary: [], encrypted_content: 'gAAAAuntagged' },
      ],
    };
    const copy = structuredClone(body);
    const out = responsesPassThroughBody(body, { provider: 'openai', model: 'gpt-5' });
    expect(out).toEqual({
      model: 'gpt-5',
      store: false,
      future_field: { kept: true },
      input: [
        { role: 'user', content: 'Hi' },
        { type: 'reasoning', id: 'rs_orig', summary: [], encrypted_content: 'gAAAAmine' },
        { type: 'reasoning', id: 'rs_raw', summary: [], encrypted_content: 'gAAAAuntagged' },
      ],
    });
    expect(body).toEqual(copy);
  });
});
