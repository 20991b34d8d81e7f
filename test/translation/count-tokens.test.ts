import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { anthropicClient, fakeBedrock, fakeHttp, proxyFor, useCleanups, useFakeAwsCredentials } from './upstreams.ts';

/**
 * `POST /v1/messages/count_tokens` with the official Anthropic SDK (`messages.countTokens`): served
 * by the alias's first target that can count (Anthropic, Bedrock Claude's CountTokens), with
 * failover; a local estimate, said so in `x-understudy-token-count`, when none can.
 */

useCleanups();
useFakeAwsCredentials();

const params: Anthropic.MessageCountTokensParams = {
  model: 'alias',
  system: [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: 'Read the README and summarise it.' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'README.md' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '# Understudy\nAn LLM failover proxy.' }] },
  ],
  tools: [{ name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
};

const anthropicError = (status: number, type: string, message: string) => ({ kind: 'json' as const, status, body: { type: 'error', error: { type, message } } });

describe('count_tokens', () => {
  it('an Anthropic target counts: the client body reaches it with only the model replaced', async () => {
    const upstream = await fakeHttp(() => ({ kind: 'json', status: 200, body: { input_tokens: 1234 } }));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const { data, response } = await anthropicClient(h).messages.countTokens(params).withResponse();
    expect(data).toEqual({ input_tokens: 1234 });
    expect(response.headers.get('x-understudy-token-count')).toBe('provider');
    expect(response.headers.get('x-understudy-provider')).toBe('p1');
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.url).toBe('/v1/messages/count_tokens');
    expect(upstream.requests[0]!.headers['x-api-key']).toBe('sk-test-not-a-real-key');
    expect(upstream.requests[0]!.body).toEqual({ ...params, model: 'claude-sonnet-4-5' });
  });

  it('fails over: Anthropic 529 → the next Anthropic target; then Bedrock Claude counts through CountTokens', async () => {
    const down = await fakeHttp(() => anthropicError(529, 'overloaded_error', 'Overloaded'));
    const up = await fakeHttp(() => ({ kind: 'json', status: 200, body: { input_tokens: 77 } }));
    const h = await proxyFor([
      { kind: 'anthropic', url: down.url, model: 'claude-sonnet-4-5' },
      { kind: 'anthropic', url: up.url, model: 'claude-sonnet-4-5' },
    ]);
    const { data, response } = await anthropicClient(h).messages.countTokens(params).withResponse();
    expect(data.input_tokens).toBe(77);
    // A quiet primary's 529 may be retried once (the transient 5xx rule) before the failover.
    expect(response.headers.get('x-understudy-attempts')).toMatch(/^p1\/claude-sonnet-4-5=529,(p1\/claude-sonnet-4-5=529,)?p2\/claude-sonnet-4-5=200$/);

    const bedrock = await fakeBedrock(() => ({ kind: 'json', status: 200, body: { inputTokens: 88 } }));
    const h2 = await proxyFor([
      { kind: 'anthropic', url: down.url, model: 'claude-sonnet-4-5' },
      { kind: 'bedrock', url: bedrock.endpoint, model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
    ]);
    const counted = await anthropicClient(h2).messages.countTokens(params).withResponse();
    expect(counted.data.input_tokens).toBe(88);
    expect(counted.response.headers.get('x-understudy-provider')).toBe('p2');
    const seen = bedrock.requests[0]!;
    expect(seen.operation).toBe('count-tokens');
    expect(seen.modelId).toBe('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
    const converse = (seen.body.input as { converse: { messages: unknown[]; system: unknown[]; toolConfig: { tools: unknown[] } } }).converse;
    expect(converse.system).toEqual([{ text: 'You are a coding agent.' }]);
    expect(converse.messages).toHaveLength(3);
    expect(converse.toolConfig.tools).toHaveLength(1);
  });

  it('no target can count: a local estimate, said so in a header, and no upstream call', async () => {
    const openai = await fakeHttp(() => ({ kind: 'json', status: 500, body: {} }));
    const h = await proxyFor([{ kind: 'openai', url: `${openai.url}/v1`, model: 'gpt-4o' }]);
    const { data, response } = await anthropicClient(h).messages.countTokens(params).withResponse();
    expect(response.headers.get('x-understudy-token-count')).toBe('estimate');
    // The prompt is about 40 words plus a tool definition: a plausible estimate, not a count.
    expect(data.input_tokens).toBeGreaterThan(40);
    expect(data.input_tokens).toBeLessThan(800);
    expect(openai.requests).toHaveLength(0);
  });

  it('every counting target down: the estimate, with the attempts in the header', async () => {
    const down = await fakeHttp(() => anthropicError(503, 'api_error', 'unavailable'));
    const h = await proxyFor([{ kind: 'anthropic', url: down.url, model: 'claude-sonnet-4-5' }]);
    const { data, response } = await anthropicClient(h).messages.countTokens(params).withResponse();
    expect(response.headers.get('x-understudy-token-count')).toBe('estimate');
    expect(response.headers.get('x-understudy-attempts')).toMatch(/^p1\/claude-sonnet-4-5=503/);
    expect(data.input_tokens).toBeGreaterThan(0);
  });

  it('the beta form (?beta=true and anthropic-beta) reaches an Anthropic target', async () => {
    const upstream = await fakeHttp(() => ({ kind: 'json', status: 200, body: { input_tokens: 9 } }));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const counted = await anthropicClient(h).beta.messages.countTokens({ model: 'alias', messages: [{ role: 'user', content: 'hi' }], betas: ['context-management-2025-06-27'] });
    expect(counted.input_tokens).toBe(9);
    expect(upstream.requests[0]!.headers['anthropic-beta']).toBe('context-management-2025-06-27,token-counting-2024-11-01');
    // Claude Code and older SDKs mark beta calls with `?beta=true`.
    const raw = await fetch(`${h.proxy.url}/v1/messages/count_tokens?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'interleaved-thinking-2025-05-14' },
      body: JSON.stringify({ model: 'alias', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(await raw.json()).toEqual({ input_tokens: 9 });
    expect(upstream.requests[1]!.url).toBe('/v1/messages/count_tokens?beta=true');
    expect(upstream.requests[1]!.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
  });

  it('bad inputs get Anthropic errors: a missing field, an unknown alias, the provider refusing the request', async () => {
    const upstream = await fakeHttp(() => anthropicError(400, 'invalid_request_error', 'messages.0.content: Input should be a valid list'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const client = anthropicClient(h);
    const missing = await client.messages.countTokens({ model: 'alias' } as Anthropic.MessageCountTokensParams).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Anthropic.BadRequestError);
    expect((missing as InstanceType<typeof Anthropic.BadRequestError>).message).toContain('messages');
    const unknown = await client.messages.countTokens({ ...params, model: 'nope' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    const refused = await client.messages.countTokens(params).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const notJson = await fetch(`${h.proxy.url}/v1/messages/count_tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const get = await fetch(`${h.proxy.url}/v1/messages/count_tokens`);
    expect(get.status).toBe(405);
  });
});
