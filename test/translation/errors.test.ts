import Anthropic, { type APIError as AnthropicAPIError } from '@anthropic-ai/sdk';
import { APIError as OpenAIAPIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { openaiError } from '../support/fake-provider.ts';
import type { Harness } from '../support/proxy-harness.ts';
import { anthropicClient, fakeBedrock, fakeHttp, proxyFor, sseFixture, useCleanups, useFakeAwsCredentials } from './upstreams.ts';

/**
 * Errors come back in the caller's dialect, with the provider's own reason kept: whatever the
 * provider spoke, an OpenAI caller sees `{error:{…}}` and an Anthropic caller sees
 * `{type:'error', error:{type, message}}`, and the SDKs raise the class that fits the status.
 */

useCleanups();
useFakeAwsCredentials();

const anthropicParams = { model: 'alias', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hello' }] };
const openaiParams = { model: 'alias', messages: [{ role: 'user' as const, content: 'Hello' }] };

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('provider errors re-expressed for an Anthropic caller', () => {
  it('OpenAI 400 context_length_exceeded → BadRequestError, invalid_request_error, with the reason', async () => {
    const reason = "This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens.";
    const upstream = await fakeHttp(() => openaiError(400, reason, 'invalid_request_error', 'context_length_exceeded'));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'gpt-4o-mini' }]);
    const error = await caught(anthropicClient(h).messages.create(anthropicParams));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const e = error as InstanceType<typeof Anthropic.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: reason } });
    expect(e.message).toContain('maximum context length is 8192 tokens');
    expect(e.headers.get('x-should-retry')).toBe('false');
    expect(e.headers.get('x-understudy-attempts')).toBe('p1/gpt-4o-mini=400');
    // The same model is never asked again for a prompt that does not fit.
    expect(upstream.requests).toHaveLength(1);
  });

  it('the same error while streaming: raised before any event, still Anthropic-shaped', async () => {
    const upstream = await fakeHttp(() => openaiError(400, 'maximum context length is 8192 tokens', 'invalid_request_error', 'context_length_exceeded'));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'gpt-4o-mini' }]);
    const error = await caught(anthropicClient(h).messages.stream(anthropicParams).finalMessage());
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as AnthropicAPIError).message).toContain('maximum context length');
  });

  it('Bedrock ThrottlingException on the only target → RateLimitError with retry-after', async () => {
    const bedrock = await fakeBedrock(() => ({ kind: 'error', status: 429, errorType: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' }));
    const h = await proxyFor([{ kind: 'bedrock', url: bedrock.endpoint, model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0' }]);
    const error = await caught(anthropicClient(h).messages.create(anthropicParams));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const e = error as AnthropicAPIError;
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(e.message).toContain('Too many requests, please wait');
    expect(e.headers?.get('retry-after')).toMatch(/^\d+$/);
  });

  it('an OpenAI stream that breaks after text → an in-band Anthropic error event the SDK raises, never a clean stop', async () => {
    const upstream = await fakeHttp(() => sseFixture('openai', 'mid-stream-error'));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'gpt-4o' }]);
    const response = await fetch(`${h.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...anthropicParams, stream: true }),
    });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('"text":"Once upon"');
    expect(body).toContain('event: error');
    expect(body).toContain('The server had an error while processing your request');
    expect(body).not.toContain('message_stop');
    expect(body).not.toContain('never seen');

    const error = await caught(anthropicClient(h).messages.stream({ ...anthropicParams }).finalMessage());
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as AnthropicAPIError).error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect((error as Error).message).toContain('The server had an error while processing your request');
  });
});

describe('provider errors re-expressed for an OpenAI caller', () => {
  it('Anthropic 529 overloaded on the only target → 503 server_error in OpenAI shape, x-should-retry: false', async () => {
    const upstream = await fakeHttp(() => ({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const error = await caught(h.openai.chat.completions.create(openaiParams));
    expect(error).toBeInstanceOf(OpenAIAPIError);
    const e = error as OpenAIAPIError;
    expect(e.status).toBe(503);
    expect(e.type).toBe('server_error');
    expect(e.message).toContain('Overloaded');
    expect(e.headers?.get('x-should-retry')).toBe('false');
    expect(e.headers?.get('retry-after')).toMatch(/^\d+$/);
    // A server failure on the last target of the chain earns one more try on it, no more.
    expect(e.headers?.get('x-understudy-attempts')).toBe('p1/claude-sonnet-4-5=529,p1/claude-sonnet-4-5=529');
    expect(upstream.requests).toHaveLength(2);
  });

  it("Anthropic's in-stream overloaded_error after text → an in-band OpenAI error, no finish_reason, no [DONE]", async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'overloaded'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const response = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...openaiParams, stream: true }),
    });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('"content":"Hel"');
    expect(body).toContain('"error"');
    expect(body).toContain('Overloaded');
    expect(body).not.toContain('[DONE]');
    expect(body).not.toMatch(/"finish_reason":"(stop|length|tool_calls)"/);
  });

  it('a Gemini 400 about the request keeps its status and reason', async () => {
    const reason = '* GenerateContentRequest.generation_config.temperature: must be between 0 and 2';
    const upstream = await fakeHttp(() => ({ kind: 'json', status: 400, body: { error: { code: 400, message: reason, status: 'INVALID_ARGUMENT' } } }));
    const h = await proxyFor([{ kind: 'gemini', url: upstream.url, model: 'gemini-2.5-flash' }]);
    const error = (await caught(h.openai.chat.completions.create(openaiParams))) as OpenAIAPIError;
    expect(error).toBeInstanceOf(OpenAIAPIError);
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain('temperature: must be between 0 and 2');
  });
});

describe("the proxy's own errors on the Anthropic route", () => {
  async function harness(): Promise<Harness> {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    return proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
  }

  async function raw(h: Harness, body: string, method = 'POST') {
    const response = await fetch(`${h.proxy.url}/v1/messages`, {
      method,
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      ...(method === 'POST' ? { body } : {}),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as { type: string; error: { type: string; message: string } } };
  }

  it('unknown alias → 404 not_found_error, and the SDK raises NotFoundError', async () => {
    const h = await harness();
    const r = await raw(h, JSON.stringify({ ...anthropicParams, model: 'claude-opus-9' }));
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(r.body.error.message).toContain('claude-opus-9');
    expect(r.headers.get('x-should-retry')).toBe('false');
    const error = await caught(anthropicClient(h).messages.create({ ...anthropicParams, model: 'claude-opus-9' }));
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('invalid JSON → 400 invalid_request_error', async () => {
    const h = await harness();
    const r = await raw(h, '{"model":');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'the request body is not valid JSON' } });
    expect(r.headers.get('x-should-retry')).toBe('false');
  });

  it('a missing max_tokens → 400 invalid_request_error naming the field, nothing sent upstream', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const r = await raw(h, JSON.stringify({ model: 'alias', messages: anthropicParams.messages }));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(r.body.error.message).toContain('max_tokens');
    expect(upstream.requests).toHaveLength(0);
  });

  it('wrong method → 405 in Anthropic shape with Allow', async () => {
    const h = await harness();
    const response = await fetch(`${h.proxy.url}/v1/messages`, { method: 'GET' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});
