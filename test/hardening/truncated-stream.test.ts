import { describe, expect, it } from 'vitest';
import { openaiTextFrames } from '../support/fake-provider.ts';
import { recordOf } from '../support/proxy-harness.ts';
import { fakeHttp, proxyFor, useCleanups } from '../translation/upstreams.ts';

/**
 * Issue 13 §4: an upstream that sends content and then closes cleanly without its terminal event
 * has not finished. After the commit point that must reach a streaming client as an in-band error,
 * never `[DONE]` or a synthesized `message_stop`.
 */

useCleanups();

const unterminated = () => ({ kind: 'sse' as const, frames: openaiTextFrames(['Hel', 'lo'], { finish: null }), then: 'end' as const });

async function post(url: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
}

describe('a stream that closes cleanly without its terminal event', () => {
  it('reaches an OpenAI streaming client as an in-band error, no [DONE], counted as truncated', async () => {
    const upstream = await fakeHttp(unterminated);
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'm' }]);
    const response = await post(h.proxy.url, '/v1/chat/completions', { model: 'alias', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('"content":"Hel"');
    expect(body).toContain('"error"');
    expect(body).toContain('without a terminal event');
    expect(body).not.toContain('[DONE]');
    expect(body).not.toMatch(/"finish_reason":"stop"/);
    const record = await recordOf(h, 0);
    expect(record.truncated).toBe(true);
    expect(record.attempts[0]?.outcome).toBe('cut');
  });

  it('reaches an Anthropic streaming client as an error event, never message_stop', async () => {
    const upstream = await fakeHttp(unterminated);
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'm' }]);
    const response = await post(h.proxy.url, '/v1/messages', { model: 'alias', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('"text":"Hel"');
    expect(body).toContain('event: error');
    expect(body).not.toContain('message_stop');
    expect((await recordOf(h, 0)).truncated).toBe(true);
  });

  it('still ends cleanly when the terminal event came and only [DONE] is missing', async () => {
    const upstream = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['Hi'], { done: false }) }));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'm' }]);
    const body = await (await post(h.proxy.url, '/v1/chat/completions', { model: 'alias', stream: true, messages: [{ role: 'user', content: 'hi' }] })).text();
    expect(body).toContain('[DONE]');
    expect(body).not.toContain('"error"');
    expect((await recordOf(h, 0)).truncated).toBeUndefined();
  });
});
