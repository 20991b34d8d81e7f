import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../functions/config/defaults.ts';
import { checkRequestShape } from '../../functions/core/request-shape.ts';
import { openaiError, openaiTextFrames, type Behavior } from '../support/fake-provider.ts';
import type { Harness } from '../support/proxy-harness.ts';
import { fakeHttp, proxyFor, useCleanups } from '../translation/upstreams.ts';

/**
 * Issue 13 §6 and §8: what cannot be a valid request is refused before any attempt, with a 400 in
 * the caller's format, so one caller's hostile body never reaches (and trips) a shared upstream.
 */

useCleanups();

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

async function chainOf(behavior: () => Behavior, limits?: Record<string, number>) {
  const p1 = await fakeHttp(behavior);
  const p2 = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['fallback']) }));
  const h: Harness = await proxyFor([
    { kind: 'openai-compatible', url: `${p1.url}/v1`, model: 'm1' },
    { kind: 'openai-compatible', url: `${p2.url}/v1`, model: 'm2' },
  ], { breaker: { consecutiveFailures: 2 } });
  if (limits) {
    const document = structuredClone(h.proxy.compiled.config) as unknown as Record<string, unknown>;
    document.limits = { ...(document.limits as object), ...limits };
    const put = await fetch(`${h.proxy.url}/admin/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(document) });
    expect(put.status).toBe(200);
  }
  return { h, upstreams: [p1, p2] };
}

const send = (h: Harness, path: string, body: string) =>
  fetch(`${h.proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body });

async function breakerOf(h: Harness, target: string) {
  return (await h.proxy.breakers.list()).find((b) => b.target === target);
}

describe('hostile shapes are refused before any attempt', () => {
  it('a 10,000-level nesting: 400 on both routes in their own format, no upstream call, no breaker movement', async () => {
    const { h, upstreams } = await chainOf(() => ({ kind: 'reset' }));
    for (let i = 0; i < 5; i++) {
      const openai = await send(h, '/v1/chat/completions', `{"model":"alias","messages":[{"role":"user","content":"hi"}],"metadata":${nested(10_000)}}`);
      expect(openai.status).toBe(400);
      expect(await openai.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'request_shape', message: expect.stringContaining('limits.maxJsonDepth') } });
      const anthropic = await send(h, '/v1/messages', `{"model":"alias","max_tokens":8,"messages":[{"role":"user","content":${nested(10_000)}}]}`);
      expect(anthropic.status).toBe(400);
      expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    }
    expect(upstreams[0]!.requests).toHaveLength(0);
    expect(await h.proxy.breakers.list()).toEqual([]);
  });

  it('an Anthropic tool_use.input nested 10,000 deep is a 400, not a 500', async () => {
    const { h } = await chainOf(() => ({ kind: 'sse', frames: openaiTextFrames(['ok']) }));
    let input = '{}';
    for (let i = 0; i < 10_000; i++) input = `{"a":${input}}`;
    const body = `{"model":"alias","max_tokens":8,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":${input}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}`;
    const response = await send(h, '/v1/messages', body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('too many messages, tools, array items or characters: 400 naming the limit; the limits are configurable', async () => {
    const { h, upstreams } = await chainOf(() => ({ kind: 'sse', frames: openaiTextFrames(['ok']) }), { maxMessages: 3, maxTools: 2, maxArrayItems: 50, maxStringChars: 100 });
    const message = { role: 'user', content: 'hi' };
    const tool = { type: 'function', function: { name: 'f', parameters: { type: 'object' } } };
    const cases: [unknown, string][] = [
      [{ model: 'alias', messages: [message, message, message, message] }, 'limits.maxMessages'],
      [{ model: 'alias', messages: [message], tools: [tool, tool, tool] }, 'limits.maxTools'],
      [{ model: 'alias', messages: [message], stop: Array(51).fill('x') }, 'limits.maxArrayItems'],
      [{ model: 'alias', messages: [{ role: 'user', content: 'x'.repeat(101) }] }, 'limits.maxStringChars'],
    ];
    for (const [body, named] of cases) {
      const response = await send(h, '/v1/chat/completions', JSON.stringify(body));
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(named);
    }
    expect(upstreams[0]!.requests).toHaveLength(0);
    expect((await send(h, '/v1/chat/completions', JSON.stringify({ model: 'alias', messages: [message] }))).status).toBe(200);
  });

  it('an upstream 400 for a malformed request is neutral: five of them leave the breaker closed', async () => {
    const { h, upstreams } = await chainOf(() => openaiError(400, "Invalid value for 'temperature'", 'invalid_request_error'));
    for (let i = 0; i < 5; i++) {
      expect((await send(h, '/v1/chat/completions', JSON.stringify({ model: 'alias', messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(400);
    }
    expect(await breakerOf(h, 'p1/m1')).toMatchObject({ state: 'closed', consecutiveFailures: 0, windowFailures: 0 });
    expect(upstreams[1]!.requests).toHaveLength(0);
  });
});

describe('checkRequestShape', () => {
  it('accepts an ordinary request at the defaults and walks 100,000 levels without a stack overflow', () => {
    expect(checkRequestShape({ model: 'a', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }, DEFAULT_LIMITS)).toBeUndefined();
    const deep = JSON.parse(nested(100_000)) as unknown;
    expect(checkRequestShape(deep, DEFAULT_LIMITS)?.status).toBe(400);
    expect(checkRequestShape(JSON.parse(nested(64)) as unknown, DEFAULT_LIMITS)).toBeUndefined();
    expect(checkRequestShape(JSON.parse(nested(65)) as unknown, DEFAULT_LIMITS)?.message).toContain('deeper than 64');
  });
});
