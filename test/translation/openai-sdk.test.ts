import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/proxy-harness.ts';
import { bedrockToolFrames, fakeBedrock, fakeHttp, openaiWeatherTool, proxyFor, sseFixture, useCleanups, useFakeAwsCredentials } from './upstreams.ts';

/**
 * The official `openai` SDK → the proxy → a fake Anthropic, Gemini or Bedrock on loopback. The
 * SDK's own stream helper must reach the same result as a non-streamed call, and the second turn
 * of a tool round trip must arrive upstream in the provider's own shape.
 */

useCleanups();
useFakeAwsCredentials();

type Completion = OpenAI.Chat.Completions.ChatCompletion;
type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

const firstTurn: Params = {
  model: 'alias',
  messages: [{ role: 'user', content: 'Weather in Oslo?' }],
  tools: [openaiWeatherTool],
};

/** What a caller acts on: ids and timestamps differ between calls by design. */
function meaningful(completion: Completion) {
  const choice = completion.choices[0]!;
  return {
    content: choice.message.content,
    toolCalls: (choice.message.tool_calls ?? []).map((call) => {
      if (call.type !== 'function') throw new Error(`unexpected tool call type ${call.type}`);
      return { id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown };
    }),
    finish: choice.finish_reason,
    usage: completion.usage && { prompt: completion.usage.prompt_tokens, completion: completion.usage.completion_tokens, total: completion.usage.total_tokens },
  };
}

/** The same request twice: once non-streamed, once through the SDK's stream helper. */
async function bothWays(h: Harness, params: Params = firstTurn) {
  const plain = await h.openai.chat.completions.create(params);
  const streamed = await h.openai.chat.completions.stream({ ...params, stream: true, stream_options: { include_usage: true } }).finalChatCompletion();
  return { plain: meaningful(plain), streamed: meaningful(streamed) };
}

/** The second turn: the assistant's tool call and the tool's result, then a follow-up question. */
function secondTurn(callId: string): Params {
  return {
    model: 'alias',
    tools: [openaiWeatherTool],
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: callId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: callId, content: '{"temp_c":-3}' },
      { role: 'user', content: 'And tomorrow?' },
    ],
  };
}

describe('OpenAI SDK served by Anthropic', () => {
  it('a tool call: the stream helper and a plain call agree on text, call, finish and usage', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'tool-use'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-haiku-4-5' }]);
    const { plain, streamed } = await bothWays(h);
    expect(plain).toEqual({
      content: 'Let me check.',
      toolCalls: [{ id: 'toolu_01Q9', name: 'get_weather', arguments: { city: 'Oslo' } }],
      finish: 'tool_calls',
      usage: { prompt: 640, completion: 41, total: 681 },
    });
    expect(streamed).toEqual(plain);
    const seen = upstream.requests[0]!;
    expect(seen.url).toBe('/v1/messages');
    expect(seen.headers['x-api-key']).toBe('sk-test-not-a-real-key');
    expect(seen.body).toMatchObject({
      model: 'claude-haiku-4-5',
      stream: true,
      tools: [{ name: 'get_weather', description: 'Current weather in a city', input_schema: openaiWeatherTool.function.parameters }],
    });
  });

  it('plain text: the same answer both ways', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const { plain, streamed } = await bothWays(h, { model: 'alias', messages: [{ role: 'user', content: 'Capital of France?' }] });
    expect(plain).toEqual({ content: 'Paris is the capital of France.', toolCalls: [], finish: 'stop', usage: { prompt: 18, completion: 9, total: 27 } });
    expect(streamed).toEqual(plain);
  });

  it('a tool without arguments: "{}" both ways', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'no-arg-tool'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const { plain, streamed } = await bothWays(h);
    expect(plain).toEqual({ content: null, toolCalls: [{ id: 'toolu_T', name: 'get_time', arguments: {} }], finish: 'tool_calls', usage: { prompt: 50, completion: 12, total: 62 } });
    expect(streamed).toEqual(plain);
  });

  it('second turn: the tool result goes up as a tool_result block, first in the user turn', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    await h.openai.chat.completions.create(secondTurn('toolu_01Q9'));
    const body = upstream.requests[0]!.body as { messages: unknown };
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_01Q9', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01Q9', content: [{ type: 'text', text: '{"temp_c":-3}' }] },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ]);
  });
});

describe('OpenAI SDK served by Gemini', () => {
  it('a function call: the stream helper and a plain call agree', async () => {
    const upstream = await fakeHttp(() => sseFixture('gemini', 'function-call'));
    const h = await proxyFor([{ kind: 'gemini', url: upstream.url, model: 'gemini-2.5-flash' }]);
    const { plain, streamed } = await bothWays(h);
    expect(plain).toMatchObject({
      content: 'Let me check.',
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }],
      finish: 'tool_calls',
      usage: { prompt: 40, completion: 14, total: 54 },
    });
    // Gemini names no call id: the proxy makes one up, so only its presence is compared.
    expect(plain.toolCalls[0]!.id).toMatch(/\S/);
    const withoutIds = (r: typeof plain) => ({ ...r, toolCalls: r.toolCalls.map((c) => ({ ...c, id: undefined })) });
    expect(withoutIds(streamed)).toEqual(withoutIds(plain));
    const seen = upstream.requests[0]!;
    expect(seen.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(seen.headers['x-goog-api-key']).toBe('sk-test-not-a-real-key');
  });

  it('parallel calls: distinct ids, a provider id kept, the same result both ways', async () => {
    const upstream = await fakeHttp(() => sseFixture('gemini', 'parallel-function-calls'));
    const h = await proxyFor([{ kind: 'gemini', url: upstream.url, model: 'gemini-3-pro-preview' }]);
    const { plain, streamed } = await bothWays(h);
    expect(plain.toolCalls.map((c) => [c.name, c.arguments])).toEqual([
      ['get_weather', { city: 'Oslo' }],
      ['get_weather', { city: 'Bergen' }],
      ['get_time', {}],
    ]);
    expect(new Set(plain.toolCalls.map((c) => c.id)).size).toBe(3);
    expect(plain.toolCalls[2]!.id).toBe('fc-3');
    expect(plain.finish).toBe('tool_calls');
    expect(streamed.toolCalls.map((c) => [c.name, c.arguments])).toEqual(plain.toolCalls.map((c) => [c.name, c.arguments]));
    expect(streamed.toolCalls[2]!.id).toBe('fc-3');
    expect({ ...streamed, toolCalls: [] }).toEqual({ ...plain, toolCalls: [] });
  });

  /** Second turn after Gemini's parallel calls: results answered out of order. */
  async function parallelSecondTurn() {
    const upstream = await fakeHttp(() => sseFixture('gemini', 'text'));
    const h = await proxyFor([{ kind: 'gemini', url: upstream.url, model: 'gemini-3-pro-preview' }]);
    await h.openai.chat.completions.create({
      model: 'alias',
      tools: [openaiWeatherTool],
      messages: [
        { role: 'user', content: 'Weather in Oslo and the time?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_x', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
            { id: 'fc-3', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'fc-3', content: '14:05' },
        { role: 'tool', tool_call_id: 'call_x', content: '-3' },
      ],
    });
    type Part = { functionCall?: { name: string; id?: string }; functionResponse?: { name: string; id?: string; response: unknown } };
    return (upstream.requests[0]!.body as { contents: { role: string; parts: Part[] }[] }).contents;
  }

  it('second turn after parallel calls: each result is named after its own call', async () => {
    const contents = await parallelSecondTurn();
    expect(contents.map((c) => c.role)).toEqual(['user', 'model', 'user']);
    // Results answer calls by id; the name Gemini needs is looked up from the assistant turn.
    expect(contents[2]!.parts.map((p) => ({ name: p.functionResponse?.name, response: p.functionResponse?.response }))).toEqual([
      { name: 'get_time', response: { content: '14:05' } },
      { name: 'get_weather', response: { content: '-3' } },
    ]);
  });

  // DIALECTS.md (Gemini, tool call ids): "newer responses may include functionCall.id — keep it and
  // echo it in functionResponse.id". The id is kept towards the client (test above) but dropped on
  // the way back, so Gemini can match results of same-named parallel calls only by position.
  it('second turn: a call id Gemini issued is echoed in functionCall.id and functionResponse.id', async () => {
    const contents = await parallelSecondTurn();
    expect(contents[1]!.parts.find((p) => p.functionCall?.name === 'get_time')?.functionCall?.id).toBe('fc-3');
    expect(contents[2]!.parts.find((p) => p.functionResponse?.name === 'get_time')?.functionResponse?.id).toBe('fc-3');
  });

  it('second turn: the tool result goes up as a functionResponse named after its call', async () => {
    const upstream = await fakeHttp(() => sseFixture('gemini', 'text'));
    const h = await proxyFor([{ kind: 'gemini', url: upstream.url, model: 'gemini-2.5-flash' }]);
    const reply = await h.openai.chat.completions.create(secondTurn('call_gem_1'));
    expect(reply.choices[0]!.message.content).toBe('Oslo is cold today.');
    const body = upstream.requests[0]!.body as { contents: unknown };
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Oslo?' }] },
      // History from another provider carries no thought signature: the documented sentinel stands in.
      { role: 'model', parts: [{ text: 'Let me check.' }, { functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: 'skip_thought_signature_validator' }] },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_weather', response: { content: '{"temp_c":-3}' } } }, { text: 'And tomorrow?' }],
      },
    ]);
  });
});

describe('OpenAI SDK served by Bedrock', () => {
  const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

  it('a tool call: the stream helper and a plain call agree', async () => {
    const bedrock = await fakeBedrock(() => ({ kind: 'stream', frames: bedrockToolFrames() }));
    const h = await proxyFor([{ kind: 'bedrock', url: bedrock.endpoint, model: MODEL }]);
    const { plain, streamed } = await bothWays(h);
    expect(plain).toEqual({
      content: 'Checking.',
      toolCalls: [{ id: 'tooluse_Xk2', name: 'get_weather', arguments: { city: 'Oslo' } }],
      finish: 'tool_calls',
      usage: { prompt: 410, completion: 38, total: 448 },
    });
    expect(streamed).toEqual(plain);
    const seen = bedrock.requests[0]!;
    expect(seen.operation).toBe('converse-stream');
    expect(seen.modelId).toBe(MODEL);
    expect(seen.body.toolConfig).toMatchObject({
      tools: [{ toolSpec: { name: 'get_weather', description: 'Current weather in a city', inputSchema: { json: openaiWeatherTool.function.parameters } } }],
    });
  });

  it('second turn: the tool result goes up as a toolResult block, first in the user turn', async () => {
    const bedrock = await fakeBedrock(() => ({ kind: 'stream', frames: bedrockToolFrames() }));
    const h = await proxyFor([{ kind: 'bedrock', url: bedrock.endpoint, model: MODEL }]);
    await h.openai.chat.completions.create(secondTurn('tooluse_Xk2'));
    expect(bedrock.requests[0]!.body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Oslo?' }] },
      { role: 'assistant', content: [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'tooluse_Xk2', name: 'get_weather', input: { city: 'Oslo' } } }] },
      {
        role: 'user',
        content: [{ toolResult: { toolUseId: 'tooluse_Xk2', content: [{ text: '{"temp_c":-3}' }] } }, { text: 'And tomorrow?' }],
      },
    ]);
  });
});
