import Anthropic from '@anthropic-ai/sdk';
import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { CONTINUE_INSTRUCTION } from '../../functions/core/continuation.ts';
import { openaiError, openaiTextFrames, type FakeProvider, type SeenRequest } from '../support/fake-provider.ts';
import { recordOf, startProxy, streamChat, type Harness } from '../support/proxy-harness.ts';
import { fakeHttp, onCleanup, useCleanups } from '../support/cleanups.ts';

/**
 * Mid-stream continuation (issue 17) end to end: fake providers that cut, stall or refuse after N
 * chunks; the official SDKs read one seamless answer with the whole text exactly once.
 */

useCleanups();


type Kind = 'openai' | 'anthropic';

async function chain(providers: { kind: Kind; fake: FakeProvider }[], aliasPolicy: Record<string, unknown> = {}): Promise<Harness> {
  const names = providers.map((_, i) => `p${i + 1}`);
  const harness = await startProxy({
    providers: Object.fromEntries(
      providers.map((p, i) => [names[i], { kind: p.kind, baseUrl: p.kind === 'openai' ? p.fake.baseUrl : p.fake.url, apiKey: 'env:TEST_KEY' }]),
    ),
    aliases: { 'default-model': { targets: names.map((provider) => ({ provider, model: `model-${provider}` })), policy: aliasPolicy } },
    policy: { headerTimeoutMs: 2_000, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 300, backoffBaseMs: 1, backoffMaxMs: 2 },
  });
  onCleanup(() => harness.close());
  return harness;
}

const ev = (type: string, payload: Record<string, unknown> = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;

/** A Messages stream of text pieces; `whole: false` stops after the deltas (the caller cuts or stalls). */
function anthropicFrames(pieces: string[], whole = true): string[] {
  const frames = [
    ev('message_start', { message: { id: 'msg_fake', type: 'message', role: 'assistant', model: 'claude-fake', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...pieces.map((text) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
  ];
  if (whole) frames.push(ev('content_block_stop', { index: 0 }), ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: pieces.length } }), ev('message_stop'));
  return frames;
}

/** The OpenAI frames of `pieces` up to and including the last piece: no finish, no usage, no [DONE]. */
const openaiPartial = (pieces: string[]) => openaiTextFrames(pieces).slice(0, 1 + pieces.length);
const messages = [{ role: 'user' as const, content: 'Tell me about the fox.' }];

const openaiStream = (h: Harness) => streamChat(h, messages);

const lastMessages = (request: SeenRequest | undefined) => ((request?.body as { messages: { role: string; content: unknown }[] }).messages ?? []).slice(-2);

describe('mid-stream continuation', () => {
  it('a cut OpenAI stream is carried on by the same target (instruction form), the repeated overlap trimmed', async () => {
    const p1 = await fakeHttp((_, i) =>
      i === 0 ? { kind: 'sse', frames: openaiPartial(['The quick ', 'brown fox ']), then: 'cut' } : { kind: 'sse', frames: openaiTextFrames(['brown fox ', 'jumps over.']) },
    );
    const p2 = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['never']) }));
    const h = await chain([{ kind: 'openai', fake: p1 }, { kind: 'openai', fake: p2 }]);
    const { text, finish } = await openaiStream(h);
    expect(text).toBe('The quick brown fox jumps over.');
    expect(finish).toBe('stop');
    expect(lastMessages(p1.requests[1])).toEqual([
      { role: 'assistant', content: 'The quick brown fox ' },
      { role: 'user', content: CONTINUE_INSTRUCTION },
    ]);
    expect(p2.requests).toHaveLength(0);
    const record = await recordOf(h, 0);
    expect(record).toMatchObject({ continued: 1, status: 200 });
    expect(record.truncated).toBeFalsy();
    expect(record.attempts.map((a) => `${a.target}=${a.outcome}`)).toEqual(['p1/model-p1=cut', 'p1/model-p1=200']);
  });

  it('an Anthropic client and target: the partial text is the prefill, the answer and its usage come out whole', async () => {
    const p1 = await fakeHttp((_, i) =>
      i === 0 ? { kind: 'sse', frames: anthropicFrames(['The quick ', 'brown fox '], false), then: 'cut' } : { kind: 'sse', frames: anthropicFrames([' jumps', ' over.']) },
    );
    const h = await chain([{ kind: 'anthropic', fake: p1 }]);
    const client = new Anthropic({ baseURL: h.proxy.url, apiKey: 'x', maxRetries: 0 });
    const final = await client.messages.stream({ model: 'default-model', max_tokens: 200, messages }).finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'The quick brown fox jumps over.' })]);
    expect(final.stop_reason).toBe('end_turn');
    // Anthropic refuses a prefill that ends in white space: trimmed, and the repeated space dropped.
    expect(lastMessages(p1.requests[1]).at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'The quick brown fox' }] });
    // Both attempts were paid for: the broken one had reported 1 output token, the continuation 2.
    expect(final.usage).toMatchObject({ input_tokens: 20, output_tokens: 3 });
  });

  it('a stall moves the continuation to the next target, across dialects', async () => {
    const p1 = await fakeHttp(() => ({ kind: 'sse', frames: openaiPartial(['The quick ', 'brown fox ']), then: 'hang' }));
    const p2 = await fakeHttp(() => ({ kind: 'sse', frames: anthropicFrames(['jumps over.']) }));
    const h = await chain([{ kind: 'openai', fake: p1 }, { kind: 'anthropic', fake: p2 }]);
    const { text, finish } = await openaiStream(h);
    expect(text).toBe('The quick brown fox jumps over.');
    expect(finish).toBe('stop');
    expect(p1.requests).toHaveLength(1);
    expect(lastMessages(p2.requests[0]).at(-1)).toMatchObject({ role: 'assistant' });
    expect((await recordOf(h, 0)).attempts.map((a) => a.outcome)).toEqual(['idle-timeout', '200']);
  });

  it('a target that refuses the prefill is asked again with the instruction, and remembered', async () => {
    const p1 = await fakeHttp((request, i) => {
      if (i === 0 || i === 3) return { kind: 'sse', frames: anthropicFrames(['The quick ', 'brown fox '], false), then: 'cut' };
      const last = lastMessages(request).at(-1);
      if (last?.role === 'assistant') return { kind: 'json', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'prefill is not supported' } } };
      return { kind: 'sse', frames: anthropicFrames(['jumps over.']) };
    });
    const h = await chain([{ kind: 'anthropic', fake: p1 }]);
    const client = new Anthropic({ baseURL: h.proxy.url, apiKey: 'x', maxRetries: 0 });
    const first = await client.messages.stream({ model: 'default-model', max_tokens: 200, messages }).finalMessage();
    expect(first.content).toEqual([expect.objectContaining({ text: 'The quick brown fox jumps over.' })]);
    expect(p1.requests).toHaveLength(3);
    // The second request's continuation goes straight to the instruction form.
    const second = await client.messages.stream({ model: 'default-model', max_tokens: 200, messages }).finalMessage();
    expect(second.content).toEqual([expect.objectContaining({ text: 'The quick brown fox jumps over.' })]);
    expect(p1.requests).toHaveLength(5);
    expect(lastMessages(p1.requests[4]).at(-1)).toMatchObject({ role: 'user' });
  });

  it('a break inside a tool call is not continued: the clean in-band error as before', async () => {
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model: 'gpt-fake' };
    const frame = (delta: unknown) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
    const p1 = await fakeHttp(() => ({
      kind: 'sse',
      frames: [frame({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }] }), frame({ tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] })],
      then: 'cut',
    }));
    const p2 = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['never']) }));
    const h = await chain([{ kind: 'openai', fake: p1 }, { kind: 'openai', fake: p2 }]);
    const error = await openaiStream(h).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(p1.requests).toHaveLength(1);
    expect(p2.requests).toHaveLength(0);
    expect(await recordOf(h, 0)).toMatchObject({ truncated: true });
  });

  it('a continuation that fails too ends with the in-band error, never a clean finish', async () => {
    const p1 = await fakeHttp((_, i) => (i === 0 ? { kind: 'sse', frames: openaiPartial(['The quick ']), then: 'cut' } : openaiError(503, 'down', 'server_error')));
    const h = await chain([{ kind: 'openai', fake: p1 }]);
    const response = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default-model', messages, stream: true }),
    });
    const body = await response.text();
    expect(body).toContain('"content":"The quick "');
    expect(body).toContain('"error"');
    expect(body).not.toContain('[DONE]');
    expect(body).not.toMatch(/"finish_reason":"(stop|length)"/);
    expect(await recordOf(h, 0)).toMatchObject({ truncated: true, continuationFailed: true });
  });

  it('continueStreams: false keeps the in-band error', async () => {
    const p1 = await fakeHttp((_, i) => (i === 0 ? { kind: 'sse', frames: openaiPartial(['The quick ']), then: 'cut' } : { kind: 'sse', frames: openaiTextFrames(['brown fox.']) }));
    const h = await chain([{ kind: 'openai', fake: p1 }], { continueStreams: false });
    await expect(openaiStream(h)).rejects.toBeInstanceOf(APIError);
    expect(p1.requests).toHaveLength(1);
  });
});
