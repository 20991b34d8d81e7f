import { describe, expect, it } from 'vitest';
import { openaiError } from '../support/fake-provider.ts';
import { recordOf } from '../support/proxy-harness.ts';
import { anthropicClient, fakeHttp, openaiWeatherTool, proxyFor, sseFixture, useCleanups } from './upstreams.ts';

/**
 * Failover across dialects: the first target speaks OpenAI and fails, the second speaks
 * Anthropic and serves. The caller never learns that the wire format changed under it.
 */

useCleanups();

const messages = [{ role: 'user' as const, content: 'Weather in Oslo?' }];

async function chain() {
  const p1 = await fakeHttp(() => openaiError(503, 'The engine is currently overloaded', 'server_error'));
  const p2 = await fakeHttp(() => sseFixture('anthropic', 'tool-use'));
  const h = await proxyFor([
    { kind: 'openai', url: `${p1.url}/v1`, model: 'gpt-4o' },
    { kind: 'anthropic', url: p2.url, model: 'claude-haiku-4-5' },
  ]);
  return { p1, p2, h };
}

describe('an OpenAI client fails over from OpenAI to Anthropic', () => {
  it('streaming with tools: the headers name both attempts, the chunks carry the call and its arguments', async () => {
    const { p1, p2, h } = await chain();
    const { data, response } = await h.openai.chat.completions
      .create({ model: 'alias', messages, tools: [openaiWeatherTool], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('x-understudy-attempts')).toBe('p1/gpt-4o=503,p1/gpt-4o=503,p2/claude-haiku-4-5=200');
    expect(response.headers.get('x-understudy-provider')).toBe('p2');
    expect(response.headers.get('x-understudy-model')).toBe('claude-haiku-4-5');
    expect(response.headers.get('content-type')).toContain('text/event-stream');

    let text = '';
    let finish: string | null = null;
    const calls: { id?: string; name?: string; arguments: string }[] = [];
    for await (const chunk of data) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { arguments: '' });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name = delta.function.name;
        call.arguments += delta.function?.arguments ?? '';
      }
    }
    expect(text).toBe('Let me check.');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ id: 'toolu_01Q9', name: 'get_weather' });
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: 'Oslo' });
    expect(finish).toBe('tool_calls');

    // Each provider got the request in its own dialect.
    expect(p1.requests[0]!.url).toBe('/v1/chat/completions');
    expect(p1.requests[0]!.body).toMatchObject({ model: 'gpt-4o', tools: [openaiWeatherTool] });
    expect(p2.requests[0]!.url).toBe('/v1/messages');
    expect(p2.requests[0]!.body).toMatchObject({ model: 'claude-haiku-4-5', tools: [{ name: 'get_weather', input_schema: openaiWeatherTool.function.parameters }] });
  });

  it("the SDK's stream helper assembles the failed-over call like a plain call does", async () => {
    const { h } = await chain();
    const params = { model: 'alias', messages, tools: [openaiWeatherTool] };
    const streamed = await h.openai.chat.completions.stream({ ...params, stream: true }).finalChatCompletion();
    const plain = await h.openai.chat.completions.create(params);
    for (const completion of [streamed, plain]) {
      const call = completion.choices[0]!.message.tool_calls?.[0];
      expect(call?.type === 'function' && call.function.name).toBe('get_weather');
      expect(call?.type === 'function' && (JSON.parse(call.function.arguments) as unknown)).toEqual({ city: 'Oslo' });
      expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    }
    const record = await recordOf(h, 0);
    expect(record.attempts.map((a) => a.outcome)).toEqual(['503', '503', '200']);
    expect(record.servedBy).toMatchObject({ provider: 'p2', primary: false });
  });
});

describe('an Anthropic client fails over from OpenAI to Anthropic', () => {
  it('gets the Anthropic answer, streamed, as if nothing had failed', async () => {
    const { h } = await chain();
    const stream = anthropicClient(h).messages.stream({
      model: 'alias',
      max_tokens: 256,
      messages,
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    });
    const { response } = await stream.withResponse();
    expect(response.headers.get('x-understudy-attempts')).toBe('p1/gpt-4o=503,p1/gpt-4o=503,p2/claude-haiku-4-5=200');
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content.at(-1)).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } });
  });
});
