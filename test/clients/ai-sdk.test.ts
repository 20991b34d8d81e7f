import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, jsonSchema, stepCountIs, streamText, tool, type LanguageModel } from 'ai';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/proxy-harness.ts';
import { fakeHttp, proxyFor, sseFixture, useCleanups, type Target } from '../translation/upstreams.ts';
import { anthropicToolThenText, carriesToolResult, OSLO_WEATHER, openaiToolThenText, responsesToolFrames, unavailable } from './upstream-answers.ts';

/**
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai` and `@ai-sdk/anthropic`) pointed at the local
 * proxy with `baseURL`, fake providers of both dialects behind it: text, streaming, a tool round
 * trip through `execute`, failover, and the usage the SDK reports.
 */

useCleanups();

const openaiFake = async (script: Parameters<typeof fakeHttp>[0]): Promise<Target> => ({ kind: 'openai', url: (await fakeHttp(script)).baseUrl, model: 'gpt-4.1' });

/** `openai.chat(alias)`: the Chat Completions provider of `@ai-sdk/openai`. */
function openaiChat(h: Harness): LanguageModel {
  return createOpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey: 'local' }).chat('alias');
}

/** `@ai-sdk/anthropic`: its base URL includes `/v1`, unlike the official Anthropic SDK's. */
function anthropic(h: Harness): LanguageModel {
  return createAnthropic({ baseURL: `${h.proxy.url}/v1`, apiKey: 'local' })('alias');
}

/** No SDK retries (the proxy is the only layer that retries); an explicit output bound for an alias the SDK cannot know. */
const settings = { maxRetries: 0, maxOutputTokens: 512 };

const calls: unknown[] = [];
const weatherTool = tool({
  description: 'Current weather in a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }),
  execute: async (input) => {
    calls.push(input);
    return OSLO_WEATHER;
  },
});

/** A tool round trip driven by the SDK: the call, `execute`, the result sent back, the answer. */
async function toolRoundTrip(model: LanguageModel, providerOptions: Parameters<typeof generateText>[0]['providerOptions'] = {}) {
  calls.length = 0;
  return generateText({ model, prompt: 'Weather in Oslo?', tools: { get_weather: weatherTool }, stopWhen: stepCountIs(3), providerOptions, ...settings });
}

async function streamed(model: LanguageModel) {
  const result = streamText({ model, prompt: 'Capital of France?', ...settings });
  let text = '';
  for await (const piece of result.textStream) text += piece;
  return { text, finishReason: await result.finishReason, usage: await result.usage, headers: (await result.response).headers };
}

describe('AI SDK openai.chat() (Chat Completions)', () => {
  it('generateText from an OpenAI target: the text and its usage', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind: 'openai', url: upstream.baseUrl, model: 'gpt-4.1' }]);
    const result = await generateText({ model: openaiChat(h), prompt: 'Capital of France?', ...settings });
    expect(result.text).toBe('Paris is the capital.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 21, outputTokens: 5, totalTokens: 26 });
    expect(result.response.headers?.['x-understudy-provider']).toBe('p1');
    expect(upstream.requests[0]!.body).toMatchObject({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Capital of France?' }] });
  });

  it('streamText from an Anthropic target: text, finish reason and usage in the OpenAI stream', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const result = await streamed(openaiChat(h));
    expect(result.text).toBe('Paris is the capital of France.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 18, outputTokens: 9 });
    expect(upstream.requests[0]!.url).toBe('/v1/messages');
  });

  it('a tool round trip through an Anthropic target: execute runs, the result reaches the provider as a tool_result', async () => {
    const upstream = await fakeHttp(anthropicToolThenText);
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const result = await toolRoundTrip(openaiChat(h));
    expect(calls).toEqual([{ city: 'Oslo' }]);
    expect(result.steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(result.text).toBe('Paris is the capital of France.');
    expect(upstream.requests[0]!.body).toMatchObject({ tools: [{ name: 'get_weather', input_schema: { properties: { city: { type: 'string' } } } }] });
    const second = upstream.requests[1]!.body as { messages: { role: string; content: unknown }[] };
    expect(second.messages.at(-2)).toMatchObject({ role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_01Q9', name: 'get_weather', input: { city: 'Oslo' } }] });
    expect(JSON.stringify(second.messages.at(-1))).toContain('"tool_use_id":"toolu_01Q9"');
    expect(JSON.stringify(second.messages.at(-1))).toContain(JSON.stringify(OSLO_WEATHER));
  });

  it('fails over from a 503 OpenAI primary to an Anthropic fallback, streaming', async () => {
    const primary = await openaiFake(() => unavailable);
    const fallback = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([primary, { kind: 'anthropic', url: fallback.url, model: 'claude-sonnet-4-5' }]);
    // A quiet primary's 503 is retried once (transient 5xx), then the fallback serves.
    const result = await streamed(openaiChat(h));
    expect(result.text).toBe('Paris is the capital of France.');
    expect(result.usage).toMatchObject({ inputTokens: 18, outputTokens: 9 });
    expect(result.headers?.['x-understudy-attempts']).toBe('p1/gpt-4.1=503,p1/gpt-4.1=503,p2/claude-sonnet-4-5=200');
  });
});

describe('AI SDK @ai-sdk/anthropic (Messages)', () => {
  it('generateText from an Anthropic target: the text and its usage', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const result = await generateText({ model: anthropic(h), prompt: 'Capital of France?', ...settings });
    expect(result.text).toBe('Paris is the capital of France.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 18, outputTokens: 9 });
    expect(upstream.requests[0]!.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 512, messages: [{ role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] }] });
  });

  it('streamText from an OpenAI target: text, finish reason and usage in the Anthropic stream', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind: 'openai', url: upstream.baseUrl, model: 'gpt-4.1' }]);
    const result = await streamed(anthropic(h));
    expect(result.text).toBe('Paris is the capital.');
    expect(result.finishReason).toBe('stop');
    // The exact counts arrive in message_delta, which the AI SDK reads.
    expect(result.usage).toMatchObject({ inputTokens: 21, outputTokens: 5, totalTokens: 26 });
    expect(upstream.requests[0]!.url).toBe('/v1/chat/completions');
  });

  it('a tool round trip through an OpenAI target: execute runs, the result reaches the provider as a tool message', async () => {
    const upstream = await fakeHttp(openaiToolThenText);
    const h = await proxyFor([{ kind: 'openai', url: upstream.baseUrl, model: 'gpt-4.1' }]);
    const result = await toolRoundTrip(anthropic(h));
    expect(calls).toEqual([{ city: 'Oslo' }]);
    expect(result.steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(result.text).toBe('Paris is the capital.');
    expect(upstream.requests[0]!.body).toMatchObject({ tools: [{ type: 'function', function: { name: 'get_weather' } }] });
    const second = upstream.requests[1]!.body as { messages: { role: string; tool_call_id?: string; content?: unknown; tool_calls?: unknown }[] };
    expect(second.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_w1', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] });
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_w1' });
    expect(JSON.stringify(second.messages.at(-1)!.content)).toContain('snow');
  });

  it('fails over from a 503 Anthropic primary to an OpenAI fallback, streaming', async () => {
    const primary = await fakeHttp(() => unavailable);
    const fallback = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([
      { kind: 'anthropic', url: primary.url, model: 'claude-sonnet-4-5' },
      { kind: 'openai', url: fallback.baseUrl, model: 'gpt-4.1' },
    ]);
    const result = await streamed(anthropic(h));
    expect(result.text).toBe('Paris is the capital.');
    expect(result.headers?.['x-understudy-attempts']).toBe('p1/claude-sonnet-4-5=503,p1/claude-sonnet-4-5=503,p2/gpt-4.1=200');
    expect(primary.requests).toHaveLength(2);
  });
});

/** `openai(alias)`: the default provider of `@ai-sdk/openai`, on the Responses API. */
function openaiResponses(h: Harness): LanguageModel {
  return createOpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey: 'local' })('alias');
}

describe('AI SDK openai() (the default provider: Responses API)', () => {
  it('generateText from an OpenAI target serving the Responses API: the text and its usage', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai-responses', 'text'));
    const h = await proxyFor([{ kind: 'openai', url: upstream.baseUrl, model: 'gpt-5' }]);
    const result = await generateText({ model: openaiResponses(h), prompt: 'Capital of France?', ...settings });
    expect(result.text).toBe('Paris is the capital of France.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 14, outputTokens: 9, totalTokens: 23 });
    expect(upstream.requests[0]!.url).toBe('/v1/responses');
    expect(upstream.requests[0]!.body).toMatchObject({ model: 'gpt-5', max_output_tokens: 512 });
    expect(JSON.stringify(upstream.requests[0]!.body)).toContain('Capital of France?');
  });

  it('streamText from a Chat-Completions-only target: text, finish reason and usage in the Responses stream', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind: 'openai-compatible', url: upstream.baseUrl, model: 'llama-3.3-70b' }]);
    const result = await streamed(openaiResponses(h));
    expect(result.text).toBe('Paris is the capital.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 21, outputTokens: 5 });
    expect(upstream.requests[0]!.url).toBe('/v1/chat/completions');
  });

  it('a tool round trip through a Responses target: the function_call_output reaches the provider', async () => {
    const upstream = await fakeHttp((request) => (carriesToolResult(request) ? sseFixture('openai-responses', 'text') : { kind: 'sse', frames: responsesToolFrames() }));
    const h = await proxyFor([{ kind: 'openai', url: upstream.baseUrl, model: 'gpt-5' }]);
    const result = await toolRoundTrip(openaiResponses(h));
    expect(calls).toEqual([{ city: 'Oslo' }]);
    expect(result.text).toBe('Paris is the capital of France.');
    const second = JSON.stringify(upstream.requests[1]!.body);
    expect(second).toContain('"type":"function_call_output"');
    expect(second).toContain('"call_id":"call_r1"');
    expect(second).toContain('snow');
  });

  it('a tool round trip through an Anthropic target with store: false: the whole history is sent, the result reaches the provider as a tool_result', async () => {
    const upstream = await fakeHttp(anthropicToolThenText);
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    // With the default store: true the SDK refers to earlier output items by id (item_reference),
    // which only the provider that stored them can resolve.
    const result = await toolRoundTrip(openaiResponses(h), { openai: { store: false } });
    expect(calls).toEqual([{ city: 'Oslo' }]);
    expect(result.text).toBe('Paris is the capital of France.');
    const second = upstream.requests[1]!.body as { messages: unknown[] };
    expect(JSON.stringify(second.messages)).toContain('"tool_use_id":"toolu_01Q9"');
    expect(JSON.stringify(second.messages)).toContain('snow');
  });

  it('with the default store: true the second turn refers to stored items: a clear 400 from a target that cannot resolve them', async () => {
    const upstream = await fakeHttp(anthropicToolThenText);
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const failure = await toolRoundTrip(openaiResponses(h)).catch((error: unknown) => error);
    expect(APICallError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ statusCode: 400 });
    expect((failure as APICallError).message).toContain('item_reference');
    expect(upstream.requests).toHaveLength(1);
  });

  it('fails over from a 503 Responses primary to an Anthropic fallback, streaming', async () => {
    const primary = await fakeHttp(() => unavailable);
    const fallback = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([
      { kind: 'openai', url: primary.baseUrl, model: 'gpt-5' },
      { kind: 'anthropic', url: fallback.url, model: 'claude-sonnet-4-5' },
    ]);
    const result = await streamed(openaiResponses(h));
    expect(result.text).toBe('Paris is the capital of France.');
    expect(result.usage).toMatchObject({ inputTokens: 18, outputTokens: 9 });
    expect(result.headers?.['x-understudy-provider']).toBe('p2');
  });
});
