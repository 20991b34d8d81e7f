import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, ToolMessage, type AIMessage, type AIMessageChunk } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/proxy-harness.ts';
import { fakeHttp, proxyFor, sseFixture, useCleanups, type Target } from '../translation/upstreams.ts';
import { anthropicToolThenText, OSLO_WEATHER, openaiToolThenText, unavailable } from './upstream-answers.ts';

/**
 * LangChain JS (`@langchain/openai` ChatOpenAI, `@langchain/anthropic` ChatAnthropic) pointed at
 * the local proxy (`configuration.baseURL`, `anthropicApiUrl`), fake providers of both dialects
 * behind it: invoke, stream, a tool round trip, failover, and the usage LangChain reports.
 */

useCleanups();

/** ChatOpenAI on the Chat Completions API; no client retries (the proxy retries). */
function chatOpenAI(h: Harness): ChatOpenAI {
  return new ChatOpenAI({ model: 'alias', apiKey: 'local', maxRetries: 0, configuration: { baseURL: `${h.proxy.url}/v1` } });
}

/** ChatAnthropic: `anthropicApiUrl` is the host root, as for the official Anthropic SDK. */
function chatAnthropic(h: Harness): ChatAnthropic {
  return new ChatAnthropic({ model: 'alias', apiKey: 'local', maxRetries: 0, maxTokens: 512, anthropicApiUrl: h.proxy.url });
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather in a city',
  schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

async function streamAll(model: BaseChatModel): Promise<AIMessageChunk> {
  let whole: AIMessageChunk | undefined;
  for await (const chunk of await model.stream('Capital of France?')) whole = whole ? whole.concat(chunk) : chunk;
  return whole!;
}

/** The round trip as an application writes it: bind the tool, run the call, send a ToolMessage. */
async function toolRoundTrip(model: ChatOpenAI | ChatAnthropic) {
  const bound = model.bindTools([weatherTool]);
  const question = new HumanMessage('Weather in Oslo?');
  const call: AIMessage = await bound.invoke([question]);
  const [toolCall] = call.tool_calls ?? [];
  const answer = await bound.invoke([question, call, new ToolMessage({ tool_call_id: toolCall!.id!, content: OSLO_WEATHER })]);
  return { toolCall, answer };
}

const anthropicTarget = async (script: Parameters<typeof fakeHttp>[0]) => {
  const upstream = await fakeHttp(script);
  return { upstream, target: { kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' } satisfies Target };
};
const openaiTarget = async (script: Parameters<typeof fakeHttp>[0]) => {
  const upstream = await fakeHttp(script);
  return { upstream, target: { kind: 'openai', url: upstream.baseUrl, model: 'gpt-4.1' } satisfies Target };
};

describe('LangChain ChatOpenAI', () => {
  it('invoke from an OpenAI target: content and usage_metadata', async () => {
    const { upstream, target } = await openaiTarget(() => sseFixture('openai', 'text'));
    const h = await proxyFor([target]);
    const message = await chatOpenAI(h).invoke('Capital of France?');
    expect(message.content).toBe('Paris is the capital.');
    // message_start carries the proxy's estimate (the exact count arrives later, in message_delta,
    // which LangChain does not read for input): not 0, and the total adds up.
    const usage = message.usage_metadata!;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage).toMatchObject({ output_tokens: 5, total_tokens: usage.input_tokens + 5 });
    expect(message.response_metadata).toMatchObject({ finish_reason: 'stop' });
    expect(upstream.requests[0]!.body).toMatchObject({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Capital of France?' }] });
  });

  it('stream from an Anthropic target: the chunks add up to the answer, with usage', async () => {
    const { target } = await anthropicTarget(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([target]);
    const message = await streamAll(chatOpenAI(h));
    expect(message.content).toBe('Paris is the capital of France.');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 18, output_tokens: 9, total_tokens: 27 });
  });

  it('a tool round trip through an Anthropic target', async () => {
    const { upstream, target } = await anthropicTarget(anthropicToolThenText);
    const h = await proxyFor([target]);
    const { toolCall, answer } = await toolRoundTrip(chatOpenAI(h));
    expect(toolCall).toMatchObject({ name: 'get_weather', args: { city: 'Oslo' }, id: 'toolu_01Q9' });
    expect(answer.content).toBe('Paris is the capital of France.');
    const second = upstream.requests[1]!.body as { messages: unknown[] };
    expect(second.messages.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01Q9' }] });
    expect(JSON.stringify(second.messages.at(-1))).toContain('snow');
  });

  it('fails over from a 503 OpenAI primary to an Anthropic fallback', async () => {
    const primary = await openaiTarget(() => unavailable);
    const fallback = await anthropicTarget(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([primary.target, fallback.target]);
    const message = await chatOpenAI(h).invoke('Capital of France?');
    expect(message.content).toBe('Paris is the capital of France.');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 18, output_tokens: 9 });
    expect(primary.upstream.requests).toHaveLength(2);
    expect(fallback.upstream.requests).toHaveLength(1);
  });
});

describe('LangChain ChatOpenAI on the Responses API (useResponsesApi)', () => {
  const responsesModel = (h: Harness) => new ChatOpenAI({ model: 'alias', apiKey: 'local', maxRetries: 0, useResponsesApi: true, configuration: { baseURL: `${h.proxy.url}/v1` } });

  it('invoke from an OpenAI target serving the Responses API: content and usage_metadata', async () => {
    const { upstream, target } = await openaiTarget(() => sseFixture('openai-responses', 'text'));
    const h = await proxyFor([target]);
    const message = await responsesModel(h).invoke('Capital of France?');
    expect(message.text).toBe('Paris is the capital of France.');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 14, output_tokens: 9, total_tokens: 23 });
    expect(upstream.requests[0]!.url).toBe('/v1/responses');
  });

  it('stream from an Anthropic target, after the Responses primary answered 503', async () => {
    const primary = await openaiTarget(() => unavailable);
    const fallback = await anthropicTarget(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([primary.target, fallback.target]);
    const message = await streamAll(responsesModel(h));
    expect(message.text).toBe('Paris is the capital of France.');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 18, output_tokens: 9 });
    expect(fallback.upstream.requests[0]!.url).toBe('/v1/messages');
  });
});

describe('LangChain ChatAnthropic', () => {
  it('invoke from an Anthropic target: content and usage_metadata', async () => {
    const { upstream, target } = await anthropicTarget(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([target]);
    const message = await chatAnthropic(h).invoke('Capital of France?');
    expect(message.content).toBe('Paris is the capital of France.');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 18, output_tokens: 9, total_tokens: 27 });
    expect(message.response_metadata).toMatchObject({ stop_reason: 'end_turn' });
    expect(upstream.requests[0]!.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 512 });
  });

  it('stream from an Anthropic target: the chunks add up to the answer, with usage as LangChain reads it from Anthropic itself', async () => {
    const { upstream, target } = await anthropicTarget(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([target]);
    const message = await streamAll(chatAnthropic(h));
    expect(message.content).toBe('Paris is the capital of France.');
    // The pass-through lane hands LangChain the provider's own events: it adds message_start's
    // output_tokens (1) to message_delta's (9), exactly as it does when it calls Anthropic directly.
    const direct = await streamAll(new ChatAnthropic({ model: 'claude-sonnet-4-5', apiKey: 'k', maxRetries: 0, maxTokens: 512, anthropicApiUrl: upstream.url }));
    expect(direct.usage_metadata).toMatchObject({ input_tokens: 18, output_tokens: 10 });
    expect(message.usage_metadata).toEqual(direct.usage_metadata);
  });

  it('stream from an OpenAI target: usage_metadata counts input tokens (estimated: LangChain reads them from message_start)', async () => {
    const { target } = await openaiTarget(() => sseFixture('openai', 'text'));
    const h = await proxyFor([target]);
    const message = await streamAll(chatAnthropic(h));
    expect(message.content).toBe('Paris is the capital.');
    // message_start carries the proxy's estimate (the exact count arrives later, in message_delta,
    // which LangChain does not read for input): not 0, and the total adds up.
    const usage = message.usage_metadata!;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage).toMatchObject({ output_tokens: 5, total_tokens: usage.input_tokens + 5 });
  });

  it('a tool round trip through an OpenAI target', async () => {
    const { upstream, target } = await openaiTarget(openaiToolThenText);
    const h = await proxyFor([target]);
    const { toolCall, answer } = await toolRoundTrip(chatAnthropic(h));
    expect(toolCall).toMatchObject({ name: 'get_weather', args: { city: 'Oslo' }, id: 'call_w1' });
    expect(answer.content).toBe('Paris is the capital.');
    const second = upstream.requests[1]!.body as { messages: unknown[] };
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_w1' });
    expect(JSON.stringify(second.messages.at(-1))).toContain('snow');
  });

  it('fails over from a 503 Anthropic primary to an OpenAI fallback', async () => {
    const primary = await anthropicTarget(() => unavailable);
    const fallback = await openaiTarget(() => sseFixture('openai', 'text'));
    const h = await proxyFor([primary.target, fallback.target]);
    const message = await chatAnthropic(h).invoke('Capital of France?');
    expect(message.content).toBe('Paris is the capital.');
    expect(message.usage_metadata).toMatchObject({ output_tokens: 5 });
    expect(primary.upstream.requests).toHaveLength(2);
  });
});
