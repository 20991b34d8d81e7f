import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/proxy-harness.ts';
import { anthropicClient, anthropicWeatherTool, bedrockToolFrames, fakeBedrock, fakeHttp, proxyFor, sseFixture, useCleanups, useFakeAwsCredentials } from './upstreams.ts';

/**
 * The official `@anthropic-ai/sdk` → the proxy (`POST /v1/messages`) → a fake OpenAI-compatible
 * provider or a fake Bedrock on loopback. `messages.stream().finalMessage()` must reach the same
 * message as a non-streamed call; a tool round trip's second turn must arrive upstream in the
 * provider's own shape.
 */

useCleanups();
useFakeAwsCredentials();

type Params = Anthropic.MessageCreateParamsNonStreaming;

const timeTool = { name: 'get_time', description: 'Local time in a zone', input_schema: { type: 'object' as const, properties: { tz: { type: 'string' } } } };

const firstTurn: Params = {
  model: 'alias',
  max_tokens: 512,
  system: 'Be brief.',
  messages: [{ role: 'user', content: 'Weather in Oslo and the time?' }],
  tools: [anthropicWeatherTool, timeTool],
};

/** What a caller acts on: the message id differs between calls by design. */
function meaningful(message: Anthropic.Message) {
  return {
    role: message.role,
    content: message.content.map((block) => {
      if (block.type === 'text') return { type: 'text', text: block.text };
      if (block.type === 'tool_use') return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
      return { type: block.type };
    }),
    stopReason: message.stop_reason,
    usage: {
      input: message.usage.input_tokens,
      output: message.usage.output_tokens,
      cacheRead: message.usage.cache_read_input_tokens ?? 0,
      cacheWrite: message.usage.cache_creation_input_tokens ?? 0,
    },
  };
}

async function bothWays(h: Harness, params: Params = firstTurn) {
  const client = anthropicClient(h);
  const plain = await client.messages.create(params);
  const streamed = await client.messages.stream(params).finalMessage();
  return { plain: meaningful(plain), streamed: meaningful(streamed) };
}

/** The second turn: both calls answered (one result a string, one text blocks), then a follow-up. */
function secondTurn(ids: [string, string]): Params {
  return {
    ...firstTurn,
    messages: [
      { role: 'user', content: 'Weather in Oslo and the time?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: ids[0], name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: ids[1], name: 'get_time', input: { tz: 'CET' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: ids[0], content: '-3 °C, snow' },
          { type: 'tool_result', tool_use_id: ids[1], content: [{ type: 'text', text: '14:05' }] },
          { type: 'text', text: 'Thanks. Anything else?' },
        ],
      },
    ],
  };
}

describe('Anthropic SDK served by an OpenAI-compatible provider', () => {
  it('parallel tool calls: finalMessage() and a plain call agree, cached tokens split out', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'parallel-tools'));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'gpt-4.1' }]);
    const { plain, streamed } = await bothWays(h);
    expect(plain).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'call_a1', name: 'get_weather', input: { city: 'Oslo' } },
        { type: 'tool_use', id: 'call_b2', name: 'get_time', input: { tz: 'CET' } },
      ],
      stopReason: 'tool_use',
      // OpenAI's prompt_tokens (80) include the 64 cached ones; Anthropic counts them apart.
      usage: { input: 16, output: 30, cacheRead: 64, cacheWrite: 0 },
    });
    expect(streamed).toEqual(plain);
    const seen = upstream.requests[0]!;
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.body).toMatchObject({
      model: 'gpt-4.1',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Oslo and the time?' },
      ],
      tools: [
        { type: 'function', function: { name: 'get_weather', description: 'Current weather in a city', parameters: anthropicWeatherTool.input_schema } },
        { type: 'function', function: { name: 'get_time', description: 'Local time in a zone', parameters: timeTool.input_schema } },
      ],
    });
  });

  it('plain text: the same answer both ways', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'gpt-4.1' }]);
    const { plain, streamed } = await bothWays(h, { model: 'alias', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    expect(plain.content).toHaveLength(1);
    expect(plain.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/\S/) as unknown });
    expect(plain.stopReason).toBe('end_turn');
    expect(streamed).toEqual(plain);
  });

  it('a tool without arguments (empty string upstream) → input {} both ways', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'no-arg-tool'));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'gpt-4.1' }]);
    const { plain, streamed } = await bothWays(h);
    expect(plain.content).toEqual([{ type: 'tool_use', id: 'call_now', name: 'get_time', input: {} }]);
    expect(plain.stopReason).toBe('tool_use');
    expect(streamed).toEqual(plain);
  });

  it("second turn: tool results become role:'tool' messages with their tool_call_id, before the user's text", async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'gpt-4.1' }]);
    await anthropicClient(h).messages.create(secondTurn(['call_a1', 'call_b2']));
    const body = upstream.requests[0]!.body as { messages: unknown };
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Oslo and the time?' },
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          { id: 'call_a1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          { id: 'call_b2', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a1', content: '-3 °C, snow' },
      { role: 'tool', tool_call_id: 'call_b2', content: '14:05' },
      { role: 'user', content: 'Thanks. Anything else?' },
    ]);
  });
});

describe('Anthropic SDK served by Bedrock', () => {
  const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

  it('a tool call after text: finalMessage() and a plain call agree', async () => {
    const bedrock = await fakeBedrock(() => ({ kind: 'stream', frames: bedrockToolFrames() }));
    const h = await proxyFor([{ kind: 'bedrock', url: bedrock.endpoint, model: MODEL }]);
    const { plain, streamed } = await bothWays(h);
    expect(plain).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'tooluse_Xk2', name: 'get_weather', input: { city: 'Oslo' } },
      ],
      stopReason: 'tool_use',
      usage: { input: 410, output: 38, cacheRead: 0, cacheWrite: 0 },
    });
    expect(streamed).toEqual(plain);
    expect(bedrock.requests[0]!.body).toMatchObject({
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 512 },
      messages: [{ role: 'user', content: [{ text: 'Weather in Oslo and the time?' }] }],
    });
  });

  it('second turn: toolResult blocks first in the user turn, toolUse last in the assistant turn', async () => {
    const bedrock = await fakeBedrock(() => ({ kind: 'stream', frames: bedrockToolFrames() }));
    const h = await proxyFor([{ kind: 'bedrock', url: bedrock.endpoint, model: MODEL }]);
    await anthropicClient(h).messages.create(secondTurn(['tooluse_a', 'tooluse_b']));
    expect(bedrock.requests[0]!.body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Oslo and the time?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Checking both.' },
          { toolUse: { toolUseId: 'tooluse_a', name: 'get_weather', input: { city: 'Oslo' } } },
          { toolUse: { toolUseId: 'tooluse_b', name: 'get_time', input: { tz: 'CET' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'tooluse_a', content: [{ text: '-3 °C, snow' }] } },
          { toolResult: { toolUseId: 'tooluse_b', content: [{ text: '14:05' }] } },
          { text: 'Thanks. Anything else?' },
        ],
      },
    ]);
  });
});
