import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { openaiTextFrames, type FakeProvider } from '../support/fake-provider.ts';
import { startProxy, streamChat, type Harness } from '../support/proxy-harness.ts';
import { fakeHttp, onCleanup, useCleanups } from '../support/cleanups.ts';

/**
 * Mid-stream continuation after a stream that was passed through unchanged (the pass-through
 * lane): the continuation's events are written at the client's stream state — the same message,
 * block index, chunk id, response id, sequence numbers — so the client reads one answer.
 */

useCleanups();

type Kind = 'openai' | 'anthropic';

async function chain(providers: { kind: Kind; fake: FakeProvider }[]): Promise<Harness> {
  const names = providers.map((_, i) => `p${i + 1}`);
  const harness = await startProxy({
    providers: Object.fromEntries(
      providers.map((p, i) => [names[i], { kind: p.kind, baseUrl: p.kind === 'openai' ? p.fake.baseUrl : p.fake.url, apiKey: 'env:TEST_KEY' }]),
    ),
    aliases: { 'default-model': { targets: names.map((provider) => ({ provider, model: `model-${provider}` })) } },
    policy: { headerTimeoutMs: 2_000, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 300, backoffBaseMs: 1, backoffMaxMs: 2 },
  });
  onCleanup(() => harness.close());
  return harness;
}

const ev = (type: string, payload: Record<string, unknown> = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;

/** A Messages stream of text pieces in block 0, without its end (the fake then stalls). */
function anthropicPartial(pieces: string[]): string[] {
  return [
    ev('message_start', { message: { id: 'msg_up', type: 'message', role: 'assistant', model: 'claude-up', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...pieces.map((text) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
  ];
}

/** A Responses stream of text pieces, cut before its end when `whole` is false. */
function responsesFrames(pieces: string[], whole: boolean): string[] {
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: sequence++ })}\n\n`;
  const response = (status: string, output: unknown[]) => ({ id: 'resp_upstream', object: 'response', created_at: 1767000000, status, model: 'gpt-up', output, usage: null });
  const item = { id: 'msg_up', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
  const at = { item_id: 'msg_up', output_index: 0, content_index: 0 };
  const frames = [
    event('response.created', { response: response('in_progress', []) }),
    event('response.output_item.added', { output_index: 0, item }),
    event('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }),
    ...pieces.map((delta) => event('response.output_text.delta', { ...at, delta, logprobs: [] })),
  ];
  if (!whole) return frames;
  const text = pieces.join('');
  const done = { ...item, status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
  frames.push(
    event('response.output_text.done', { ...at, text }),
    event('response.output_item.done', { output_index: 0, item: done }),
    event('response.completed', { response: { ...response('completed', [done]), usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 } } }),
  );
  return frames;
}

const messages = [{ role: 'user' as const, content: 'Tell me about the fox.' }];

/** The SSE events of a raw stream, by name and data. */
function events(raw: string): { event: string; data: Record<string, unknown> }[] {
  return raw
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(block)![1]!;
      return { event, data: data === '[DONE]' ? {} : (JSON.parse(data) as Record<string, unknown>) };
    });
}

async function raw(h: Harness, path: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${h.proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.text();
}

// The first target stalls (an idle timeout, not a transient cut), so the continuation goes to the next target.
describe('continuation after a passed-through stream', () => {
  it('Messages: the upstream bytes, then the continuation in the same open text block, one message', async () => {
    const partial = anthropicPartial(['The quick ', 'brown fox ']);
    const p1 = await fakeHttp(() => ({ kind: 'sse', frames: partial, then: 'hang' }));
    const p2 = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['jumps over.']) }));
    const h = await chain([{ kind: 'anthropic', fake: p1 }, { kind: 'openai', fake: p2 }]);
    const text = await raw(h, '/v1/messages', { model: 'default-model', max_tokens: 200, stream: true, messages });
    // What the client got before the break is the upstream's, byte for byte; then the seam.
    expect(text.startsWith(partial.join(''))).toBe(true);
    expect(text.slice(partial.join('').length)).toMatch(/^: understudy continued from p1\/model-p1 on p2\/model-p2\n\n/);
    const after = events(text.slice(partial.join('').length));
    expect(after.map((e) => e.event)).toEqual(['content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(after[0]!.data).toMatchObject({ index: 0, delta: { type: 'text_delta', text: 'jumps over.' } });
    expect(after[1]!.data).toMatchObject({ index: 0 });

    const final = await new Anthropic({ baseURL: h.proxy.url, apiKey: 'x', maxRetries: 0 }).messages.stream({ model: 'default-model', max_tokens: 200, messages }).finalMessage();
    expect(final.id).toBe('msg_up');
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'The quick brown fox jumps over.' })]);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('Chat Completions: the continuation\'s chunks carry the upstream\'s id and model, no second role chunk', async () => {
    const partial = openaiTextFrames(['The quick ', 'brown fox ']).slice(0, 3);
    const p1 = await fakeHttp(() => ({ kind: 'sse', frames: partial, then: 'hang' }));
    const p2 = await fakeHttp(() => ({ kind: 'sse', frames: [ev('message_start', { message: { id: 'msg_2', type: 'message', role: 'assistant', model: 'claude-2', content: [], usage: { input_tokens: 3, output_tokens: 1 } } }), ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }), ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'jumps over.' } }), ev('content_block_stop', { index: 0 }), ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }), ev('message_stop')] }));
    const h = await chain([{ kind: 'openai', fake: p1 }, { kind: 'anthropic', fake: p2 }]);
    const text = await raw(h, '/v1/chat/completions', { model: 'default-model', stream: true, messages });
    expect(text.startsWith(partial.join(''))).toBe(true);
    const after = events(text.slice(partial.join('').length)).filter((e) => Object.keys(e.data).length > 0);
    for (const chunk of after) expect(chunk.data).toMatchObject({ id: 'chatcmpl-fake', model: 'gpt-4o-2024-08-06', created: 1767000000 });
    expect(after.some((e) => JSON.stringify(e.data).includes('"role"'))).toBe(false);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);

    const { text: read, finish } = await streamChat(h, messages);
    expect(read).toBe('The quick brown fox jumps over.');
    expect(finish).toBe('stop');
  });

  it('Responses: the same response id, sequence numbers that go on, one message item with the whole text', async () => {
    const partial = responsesFrames(['The quick ', 'brown fox '], false);
    const p1 = await fakeHttp(() => ({ kind: 'sse', frames: partial, then: 'hang' }));
    const p2 = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['jumps over.']) }));
    const h = await startProxy({
      providers: { p1: { kind: 'openai', baseUrl: p1.baseUrl, apiKey: 'env:TEST_KEY' }, p2: { kind: 'openai-compatible', baseUrl: p2.baseUrl } },
      aliases: { 'default-model': { targets: [{ provider: 'p1', model: 'gpt-up' }, { provider: 'p2', model: 'llama' }] } },
      policy: { headerTimeoutMs: 2_000, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 300, backoffBaseMs: 1, backoffMaxMs: 2 },
    });
    onCleanup(() => h.close());
    const text = await raw(h, '/v1/responses', { model: 'default-model', stream: true, input: 'Tell me about the fox.' });
    expect(text.startsWith(partial.join(''))).toBe(true);
    const all = events(text);
    const sequences = all.map((e) => e.data.sequence_number as number);
    expect(sequences).toEqual(sequences.map((_, i) => i));
    const completed = all.at(-1)!;
    expect(completed.event).toBe('response.completed');
    expect(completed.data.response).toMatchObject({ id: 'resp_upstream', status: 'completed', output: [{ id: 'msg_up', type: 'message', content: [{ type: 'output_text', text: 'The quick brown fox jumps over.' }] }] });
    expect(all.filter((e) => e.event === 'response.created')).toHaveLength(1);

    const final = await h.openai.responses.stream({ model: 'default-model', input: 'Tell me about the fox.' }).finalResponse();
    expect(final.id).toBe('resp_upstream');
    expect(final.output_text).toBe('The quick brown fox jumps over.');
  });

  it('Responses: a break after a function call is not continued; the in-band error goes on with the same response and sequence', async () => {
    let sequence = 0;
    const event = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: sequence++ })}\n\n`;
    const call = { id: 'fc_1', type: 'function_call', status: 'in_progress', call_id: 'call_1', name: 'get_weather', arguments: '' };
    const frames = [
      event('response.created', { response: { id: 'resp_up', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-up', output: [] } }),
      event('response.output_item.added', { output_index: 0, item: call }),
      event('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 0, delta: '{"city":' }),
    ];
    const p1 = await fakeHttp(() => ({ kind: 'sse', frames, then: 'cut' }));
    const h = await chain([{ kind: 'openai', fake: p1 }]);
    const text = await raw(h, '/v1/responses', { model: 'default-model', stream: true, input: 'Weather?' });
    expect(text.startsWith(frames.join(''))).toBe(true);
    const after = events(text.slice(frames.join('').length));
    expect(after.map((e) => [e.event, e.data.sequence_number])).toEqual([
      ['error', 3],
      ['response.failed', 4],
    ]);
    expect(after[1]!.data.response).toMatchObject({ id: 'resp_up', status: 'failed' });
    expect(p1.requests).toHaveLength(1);
  });
});
