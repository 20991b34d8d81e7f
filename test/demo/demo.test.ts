import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';
import { startDemo, type Demo } from '../../functions/demo/demo.ts';

let demo: Demo;
beforeAll(async () => {
  demo = await startDemo({ port: 0, telemetry: new ConsoleTelemetry({ quiet: true }), healthIntervalMs: 60_000 });
});
afterAll(async () => demo?.close());

describe('npm run demo', () => {
  it('serves both SDKs through simulated providers, streaming and tools, with no key', async () => {
    const openai = new OpenAI({ baseURL: `${demo.server.url}/v1`, apiKey: 'unused' });
    const stream = await openai.chat.completions.create({ model: 'default-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from a simulated provider. Nothing left this machine.');

    const tools = [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const called = await openai.chat.completions.create({ model: 'default-model', tools, messages: [{ role: 'user', content: 'weather?' }] });
    expect(called.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'weather', arguments: '{"city":"Paris"}' } });

    const anthropic = new Anthropic({ baseURL: demo.server.url, apiKey: 'unused' });
    const message = await anthropic.messages
      .stream({ model: 'claude-model', max_tokens: 64, tools: [{ name: 'weather', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'weather?' }] })
      .finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'tool_use', name: 'weather', input: { city: 'Paris' } });
  });

  it('is ready for fault injection: a fault on the primary fails over to the Anthropic-style provider', async () => {
    const url = demo.server.url;
    const config = ((await (await fetch(`${url}/admin/config`)).json()) as { config: { providers: Record<string, Record<string, unknown>> } }).config;
    config.providers['sim-openai']!.chaos = { errorRate: 1, status: 503 };
    const put = await fetch(`${url}/admin/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
    expect(put.status).toBe(200);
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-understudy-provider')).toBe('sim-anthropic');
    const round = await demo.server.healthCheck();
    expect(round.outcomes.find((o) => o.provider === 'sim-openai')?.ok).toBe(false);
    expect(round.statusPages.get('sim-anthropic')?.level).toBe('operational');
    expect((await fetch(`${url}/status`)).headers.get('content-type')).toContain('text/html');
  });

  it('prints three things to try: a request, a drill, the status page', () => {
    expect(demo.instructions).toContain('/v1/chat/completions');
    expect(demo.instructions).toContain('npm run drill -- --url');
    expect(demo.instructions).toContain('/status');
  });
});
