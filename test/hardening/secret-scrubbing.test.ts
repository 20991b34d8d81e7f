import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { envSecrets } from '../../functions/adapters/env-secrets.ts';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { MemoryBreakerStore } from '../../functions/core/breaker/memory-store.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { scrubSecrets } from '../../functions/dialects/shared/scrub.ts';
import { startLocalServer, type LocalServer } from '../../functions/local/server.ts';
import { openaiError, openaiTextFrames, startFakeProvider, type Behavior } from '../support/fake-provider.ts';
import { onCleanup, useCleanups } from '../support/cleanups.ts';

/**
 * Issue 13 §7: an upstream that echoes the provider key (or anything key-shaped) in an error body
 * or an in-stream error never gets it to the caller or into a log line.
 */

/** Not key-shaped on purpose: only scrubbing by value can catch it. */
const SECRET = 'plain-looking-secret-value-42';
const FOREIGN = 'AIzaSyD-0123456789abcdefghijklmnopqrstu and AKIAIOSFODNN7EXAMPLE and sk-ant-api03-ZZZZZZZZZZZZZZZZZZZZZZZZ';

useCleanups();

async function proxyOver(behavior: Behavior): Promise<{ server: LocalServer; lines: string[] }> {
  const upstream = await startFakeProvider(() => behavior);
  onCleanup(() => upstream.close());
  const validated = validateConfig({
    providers: { p1: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: 'env:ODD_KEY' } },
    aliases: { alias: { targets: [{ provider: 'p1', model: 'm' }] } },
    policy: { maxAttempts: 1 },
  });
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  const lines: string[] = [];
  const server = await startLocalServer({
    config: validated.config,
    secrets: envSecrets({ ODD_KEY: SECRET }),
    telemetry: new ConsoleTelemetry({ out: (l) => lines.push(l), err: (l) => lines.push(l) }),
    breakers: new MemoryBreakerStore({ clock: systemClock }),
  });
  onCleanup(() => server.close());
  return { server, lines };
}

const echo = `Incorrect API key provided: ${SECRET}. Also seen: ${FOREIGN}`;

async function post(server: LocalServer, path: string, stream = false): Promise<string> {
  const body = path === '/v1/messages'
    ? { model: 'alias', max_tokens: 8, stream, messages: [{ role: 'user', content: 'hi' }] }
    : { model: 'alias', stream, messages: [{ role: 'user', content: 'hi' }] };
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return `${response.status} ${[...response.headers].join(' ')} ${await response.text()}`;
}

function expectClean(text: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('AIzaSyD-0123456789');
  expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
  expect(text).not.toContain('sk-ant-api03-ZZZZ');
}

describe('upstream texts are scrubbed before a caller or a log sees them', () => {
  it.each([
    ['a 400 returned to the caller', openaiError(400, echo, 'invalid_request_error')],
    ['a 401 (the proxy’s key rejected)', openaiError(401, echo, 'invalid_request_error', 'invalid_api_key')],
    ['a 500', openaiError(500, echo, 'server_error')],
    ['a non-JSON error page', { kind: 'json', status: 502, body: echo } as Behavior],
  ])('%s', async (_, behavior) => {
    const { server, lines } = await proxyOver(behavior);
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      const text = await post(server, path);
      expect(text).toContain('[redacted]');
      expectClean(text);
    }
    expectClean(lines.join('\n'));
  });

  it('an in-stream error after the commit point, to both dialects', async () => {
    const frames = openaiTextFrames(['Hel'], { finish: null });
    frames.push(`data: ${JSON.stringify({ error: { message: echo, type: 'server_error', code: null } })}\n\n`);
    const { server, lines } = await proxyOver({ kind: 'sse', frames });
    for (const path of ['/v1/chat/completions', '/v1/messages']) {
      const text = await post(server, path, true);
      expect(text).toContain('Hel');
      expect(text).toContain('[redacted]');
      expectClean(text);
    }
    expectClean(lines.join('\n'));
  });

  it('reaches the Anthropic SDK scrubbed', async () => {
    const { server } = await proxyOver(openaiError(400, echo, 'invalid_request_error'));
    const client = new Anthropic({ baseURL: server.url, apiKey: 'x', maxRetries: 0 });
    const error = (await client.messages.create({ model: 'alias', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('Incorrect API key provided: [redacted]');
    expectClean(error.message);
  });
});

describe('scrubSecrets', () => {
  it('removes configured values and key shapes, keeps ordinary text', () => {
    expect(scrubSecrets(`key ${SECRET} here`, [SECRET])).toBe('key [redacted] here');
    expect(scrubSecrets('Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123')).toBe('Authorization: Bearer [redacted]');
    expect(scrubSecrets('sk-proj-abcdefghijklmnopqrstuvwx gsk_abcdefghijklmnopqrstuv xai-abcdefghijklmnopqrstuv')).toBe('[redacted] [redacted] [redacted]');
    expect(scrubSecrets('us_0123abcd_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ')).toBe('[redacted]');
    expect(scrubSecrets('the model "gpt-4o" is overloaded; retry in 2 s', ['short'])).toBe('the model "gpt-4o" is overloaded; retry in 2 s');
    // Values under 8 characters are left alone: they would match ordinary words.
    expect(scrubSecrets('a key of abc', ['abc'])).toBe('a key of abc');
  });
});
