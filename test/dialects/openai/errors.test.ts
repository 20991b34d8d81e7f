import { describe, expect, it } from 'vitest';
import { failureFromResponse } from '../../../functions/dialects/openai/errors.ts';
import type { UpstreamResponse } from '../../../functions/ir/upstream.ts';
import { upstreamResponse } from '../../support/upstream-response.ts';

function response(status: number, body: unknown, headers: Record<string, string> = {}): UpstreamResponse {
  return upstreamResponse(status, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

describe('failureFromResponse (OpenAI-compatible error bodies)', () => {
  it('429 insufficient_quota is quota, not a rate limit', async () => {
    const body = { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } };
    expect(await failureFromResponse(response(429, body))).toEqual({
      kind: 'quota',
      status: 429,
      message: body.error.message,
      providerCode: 'insufficient_quota',
    });
  });

  it('429 rate_limit_exceeded is a rate limit with the retry-after-ms hint', async () => {
    const body = { error: { message: 'Rate limit reached for gpt-4o', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    expect(await failureFromResponse(response(429, body, { 'retry-after-ms': '1500', 'retry-after': '2' }))).toEqual({
      kind: 'rate-limit',
      status: 429,
      message: 'Rate limit reached for gpt-4o',
      providerCode: 'rate_limit_exceeded',
      retryAfterMs: 1500,
    });
  });

  it('400 context_length_exceeded keeps the param', async () => {
    const body = { error: { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } };
    expect(await failureFromResponse(response(400, body))).toEqual({
      kind: 'context-length',
      status: 400,
      message: body.error.message,
      providerCode: 'context_length_exceeded',
      param: 'messages',
    });
  });

  it('Azure content filter 400 is content-policy', async () => {
    const body = { error: { message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", type: null, param: 'prompt', code: 'content_filter', status: 400 } };
    const failure = await failureFromResponse(response(400, body));
    expect(failure.kind).toBe('content-policy');
    expect(failure.providerCode).toBe('content_filter');
  });

  it('Mistral top-level error body', async () => {
    const body = { object: 'error', message: 'Prompt contains 140000 tokens, too large for model with 131072 maximum context length', type: 'invalid_request_error', param: null, code: '3051' };
    expect(await failureFromResponse(response(400, body))).toEqual({
      kind: 'context-length',
      status: 400,
      message: body.message,
      providerCode: '3051',
    });
  });

  it('Mistral validation error with an object message is readable text', async () => {
    const body = { object: 'error', message: { detail: [{ type: 'missing', loc: ['body', 'messages'] }] }, type: 'invalid_request_message_error', param: null, code: null };
    const failure = await failureFromResponse(response(422, body));
    expect(failure.kind).toBe('invalid-request');
    expect(failure.message).toContain('missing');
    expect(failure.providerCode).toBe('invalid_request_message_error');
  });

  it('OpenRouter 402 (numeric code) is quota; Ollama string error is the message', async () => {
    expect(await failureFromResponse(response(402, { error: { code: 402, message: 'Insufficient credits' } }))).toEqual({ kind: 'quota', status: 402, message: 'Insufficient credits' });
    expect(await failureFromResponse(response(404, { error: 'model "llama9" not found, try pulling it first' }))).toEqual({
      kind: 'invalid-request',
      status: 404,
      message: 'model "llama9" not found, try pulling it first',
    });
  });

  it('401 is auth, 500 with an HTML page is server with an excerpt, 503 keeps retry-after', async () => {
    expect((await failureFromResponse(response(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }))).kind).toBe('auth');
    expect(await failureFromResponse(response(500, '<html>Bad gateway</html>'))).toEqual({ kind: 'server', status: 500, message: '<html>Bad gateway</html>' });
    expect(await failureFromResponse(response(503, '', { 'retry-after': '3' }))).toEqual({ kind: 'server', status: 503, message: 'upstream answered 503', retryAfterMs: 3000 });
  });

  it('reads a bounded prefix of an endless error body', async () => {
    let pulled = 0;
    let released = false;
    const endless: UpstreamResponse = {
      status: 502,
      headers: { get: () => null },
      body: {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            pulled += 1;
            yield new TextEncoder().encode('x'.repeat(16 * 1024));
          }
        },
      },
      release: () => (released = true),
    };
    const failure = await failureFromResponse(endless);
    expect(failure.kind).toBe('server');
    expect(failure.message).toBe('x'.repeat(500));
    expect(pulled).toBeLessThan(10);
    expect(released).toBe(true);
  });
});
