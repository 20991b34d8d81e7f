import { describe, expect, it } from 'vitest';
import { parseSse } from '../../functions/dialects/shared/sse.ts';
import { openaiTextFrames, type Behavior } from '../support/fake-provider.ts';
import { recordOf, type Harness } from '../support/proxy-harness.ts';
import { fakeHttp, proxyFor, useCleanups } from '../translation/upstreams.ts';

/**
 * Issue 13 §9: big answers stay bounded. A non-streamed answer is aggregated only up to
 * limits.maxAnswerBytes; the SSE parser scans each byte once and refuses a single event beyond its
 * bound (the stream fails over like any broken stream).
 */

useCleanups();

async function* chunks(parts: Iterable<string>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const part of parts) yield encoder.encode(part);
}

async function collect(parts: Iterable<string>, max?: number) {
  const out = [];
  for await (const message of parseSse(chunks(parts), max)) out.push(message);
  return out;
}

async function chain(first: () => Behavior, limits?: Record<string, number>): Promise<Harness> {
  const p1 = await fakeHttp(first);
  const p2 = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['from p2']) }));
  const h = await proxyFor([
    { kind: 'openai-compatible', url: `${p1.url}/v1`, model: 'm1' },
    { kind: 'openai-compatible', url: `${p2.url}/v1`, model: 'm2' },
  ]);
  if (limits) {
    const document = structuredClone(h.proxy.compiled.config) as unknown as { limits: object };
    document.limits = { ...document.limits, ...limits };
    const put = await fetch(`${h.proxy.url}/admin/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(document) });
    expect(put.status).toBe(200);
  }
  return h;
}

const ask = (h: Harness, stream: boolean) =>
  fetch(`${h.proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'alias', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('limits.maxAnswerBytes', () => {
  const big = (): Behavior => ({ kind: 'sse', frames: openaiTextFrames(Array.from({ length: 40 }, () => 'x'.repeat(100))) });

  it('refuses a non-streamed answer beyond the cap with a clear 400, neutral for the breaker, no failover', async () => {
    const h = await chain(big, { maxAnswerBytes: 1_000 });
    const response = await ask(h, false);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('answer_too_large');
    expect(body.error.message).toContain('limits.maxAnswerBytes (1000 bytes)');
    expect(body.error.message).toContain('stream: true');
    expect(response.headers.get('x-understudy-attempts')).toBe('p1/m1=invalid-request');
    expect((await h.proxy.breakers.list()).find((b) => b.target === 'p1/m1')).toMatchObject({ state: 'closed', consecutiveFailures: 0, windowFailures: 0 });
  });

  it('does not bound the same answer streamed', async () => {
    const h = await chain(big, { maxAnswerBytes: 1_000 });
    const text = await (await ask(h, true)).text();
    expect(text.match(/x{100}/g)).toHaveLength(40);
    expect(text).toContain('[DONE]');
    expect((await recordOf(h, 0)).status).toBe(200);
  });
});

describe('one oversized SSE event', () => {
  it('breaks the stream before commit: the request fails over to the next target', async () => {
    const h = await chain(() => ({ kind: 'sse', frames: ['data: {"choices":[{"delta":{"content":"' + 'y'.repeat(9 * 1024 * 1024) + '"}}]}'] }));
    const response = await ask(h, false);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-understudy-attempts')).toBe('p1/m1=stream-broken,p2/m2=200');
    expect(((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('from p2');
  });
});

describe('parseSse', () => {
  it('scans each byte once: a 16 MB line in 4 KB chunks parses in linear time; an event over the bound is an error', async () => {
    const piece = 'z'.repeat(4096);
    const parts = (function* () {
      yield 'data: ';
      for (let i = 0; i < 4_000; i++) yield piece;
    })();
    await expect(collect(parts, 32 * 1024 * 1024)).resolves.toEqual([{ event: '', data: piece.repeat(4_000) }]);
    await expect(collect(['data: ', 'a'.repeat(100), 'a'.repeat(100)], 150)).rejects.toThrow('exceeds 150 characters');
  });

  it('still joins lines split across chunks, CRLF split included', async () => {
    expect(await collect(['event: de', 'lta\r', '\ndata: {"a"', ':1}\r\n', '\r\ndata: two\n', 'data: lines\n\n'])).toEqual([
      { event: 'delta', data: '{"a":1}' },
      { event: '', data: 'two\nlines' },
    ]);
  });
});
