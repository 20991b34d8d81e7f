import { describe, expect, it } from 'vitest';
import { fakeHttp, sseFixture, useCleanups } from '../translation/upstreams.ts';
import { anthropicAnswer, capture, proxyForModel, replay, textOf, type Exchange, type ReplayTarget } from './replay.ts';
import { openaiToolFrames, unavailable } from './upstream-answers.ts';

/**
 * What Claude Code 2.1.197 sent (`claude -p`, captured from the real CLI) replayed through the
 * proxy: to an Anthropic target (the request must arrive as the CLI sent it — prompt caching,
 * betas, thinking and context management depend on it), to an OpenAI target (translated), and
 * with failover between the two.
 */

useCleanups();

const text = capture('claude-code-text');
const tool = capture('claude-code-tool');
const alias = capture('claude-code-alias-text');
const [toolFirst, toolSecond] = tool.exchanges as [Exchange, Exchange];

/** The model Claude Code asked for (its default); the same-dialect target serves that model. */
const CLAUDE_MODEL = text.exchanges[0]!.body.model as string;

async function anthropicTarget(script: Parameters<typeof fakeHttp>[0] = () => sseFixture('anthropic', 'text'), model = CLAUDE_MODEL) {
  const upstream = await fakeHttp(script);
  return { upstream, target: { kind: 'anthropic', url: upstream.url, model } satisfies ReplayTarget };
}

async function openaiTarget(script: Parameters<typeof fakeHttp>[0] = () => sseFixture('openai', 'text')) {
  const upstream = await fakeHttp(script);
  return { upstream, target: { kind: 'openai', url: upstream.baseUrl, model: 'gpt-4.1' } satisfies ReplayTarget };
}

const modelOf = (exchange: Exchange) => exchange.body.model as string;

describe('Claude Code → an Anthropic target (same dialect)', () => {
  for (const [name, exchange] of [
    ['a text turn', text.exchanges[0]!],
    ['a text turn with an alias as the model', alias.exchanges[0]!],
    ['the turn carrying a tool_result', toolSecond],
  ] as const) {
    it(`${name}: arrives upstream as sent (model aside), betas and version headers kept; the answer streams back`, async () => {
      const { upstream, target } = await anthropicTarget();
      const h = await proxyForModel(modelOf(exchange), [target]);
      const response = await replay(h, exchange);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const message = await anthropicAnswer(response);
      expect(textOf(message)).toBe('Paris is the capital of France.');
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage).toMatchObject({ input_tokens: 18, output_tokens: 9 });

      const seen = upstream.requests[0]!;
      expect(seen.url.split('?')[0]).toBe('/v1/messages');
      expect(seen.body).toEqual({ ...exchange.body, model: CLAUDE_MODEL });
      expect(seen.headers['anthropic-beta']).toBe(exchange.headers['anthropic-beta']);
      expect(seen.headers['anthropic-version']).toBe('2023-06-01');
      expect(seen.headers['x-api-key']).toBe('sk-test-not-a-real-key');
    });
  }

  it('the first turn of the tool round trip: the tool_use reaches Claude Code intact', async () => {
    const { upstream, target } = await anthropicTarget(() => sseFixture('anthropic', 'tool-use'));
    const h = await proxyForModel(modelOf(toolFirst), [target]);
    const message = await anthropicAnswer(await replay(h, toolFirst));
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_01Q9', name: 'get_weather', input: { city: 'Oslo' } },
    ]);
    expect(upstream.requests[0]!.body).toEqual({ ...toolFirst.body, model: CLAUDE_MODEL });
  });
});

/** The OpenAI Chat Completions request the proxy built from a Claude Code turn. */
interface ChatRequest {
  model: string;
  stream: boolean;
  messages: { role: string; content?: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  tools: { type: string; function: { name: string } }[];
}

describe('Claude Code → an OpenAI target (translated)', () => {
  for (const [name, exchange] of [
    ['a text turn', text.exchanges[0]!],
    ['a text turn with an alias as the model', alias.exchanges[0]!],
  ] as const) {
    it(`${name}: system blocks, the mid-conversation system message and the tools arrive in OpenAI form; the answer streams back as Messages`, async () => {
      const { upstream, target } = await openaiTarget();
      const h = await proxyForModel(modelOf(exchange), [target]);
      const response = await replay(h, exchange);
      expect(response.status).toBe(200);
      const message = await anthropicAnswer(response);
      expect(textOf(message)).toBe('Paris is the capital.');
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage.output_tokens).toBe(5);

      const seen = upstream.requests[0]!.body as ChatRequest;
      expect(seen).toMatchObject({ model: 'gpt-4.1', stream: true });
      const wire = JSON.stringify(seen);
      expect(seen.messages[0]!.role).toBe('system');
      expect(JSON.stringify(seen.messages[0])).toContain('You are a Claude agent');
      expect(wire).toContain('Say hello in five words.');
      // The system message Claude Code sends after the user turn is kept as instructions, in order.
      const agents = seen.messages.findIndex((m) => JSON.stringify(m.content).includes('Available agent types'));
      const prompt = seen.messages.findIndex((m) => JSON.stringify(m.content).includes('Say hello in five words.'));
      expect(agents).toBeGreaterThan(prompt);
      expect(seen.messages[agents]!.role).toBe('system');
      expect(seen.tools.map((t) => t.function.name)).toEqual((exchange.body.tools as { name: string }[]).map((t) => t.name));
      expect(wire).not.toContain('cache_control');
      expect(wire).not.toContain('context_management');
    });
  }

  it('the first turn of the tool round trip: the OpenAI tool call reaches Claude Code as a tool_use block', async () => {
    const { upstream, target } = await openaiTarget(() => ({ kind: 'sse', frames: openaiToolFrames() }));
    const h = await proxyForModel(modelOf(toolFirst), [target]);
    const message = await anthropicAnswer(await replay(h, toolFirst));
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([{ type: 'tool_use', id: 'call_w1', name: 'get_weather', input: { city: 'Oslo' } }]);
    expect((upstream.requests[0]!.body as ChatRequest).tools).toHaveLength((toolFirst.body.tools as unknown[]).length);
  });

  it('the tool round trip: the tool_use and its tool_result arrive as an assistant tool call and a tool message', async () => {
    const { upstream, target } = await openaiTarget();
    const h = await proxyForModel(modelOf(toolSecond), [target]);
    const response = await replay(h, toolSecond);
    expect(response.status).toBe(200);
    expect(textOf(await anthropicAnswer(response))).toBe('Paris is the capital.');
    const seen = upstream.requests[0]!.body as ChatRequest;
    const call = seen.messages.find((m) => m.tool_calls);
    expect(call).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'toolu_capture01', function: { name: 'Read' } }] });
    expect(JSON.parse(call!.tool_calls![0]!.function.arguments)).toEqual({ file_path: '<CWD>/notes.txt' });
    const result = seen.messages.find((m) => m.role === 'tool');
    expect(result).toMatchObject({ tool_call_id: 'toolu_capture01' });
    expect(JSON.stringify(result!.content)).toContain('The proxy is called Understudy.');
  });
});

describe('Claude Code with failover', () => {
  it('an Anthropic primary answering 503 → the OpenAI fallback serves the turn', async () => {
    const primary = await anthropicTarget(() => unavailable);
    const fallback = await openaiTarget();
    const h = await proxyForModel(modelOf(toolSecond), [primary.target, fallback.target]);
    const response = await replay(h, toolSecond);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-understudy-provider')).toBe('p2');
    expect(textOf(await anthropicAnswer(response))).toBe('Paris is the capital.');
    expect(fallback.upstream.requests).toHaveLength(1);
  });

  it('an OpenAI primary answering 503 → the Anthropic fallback receives the request as Claude Code sent it', async () => {
    const primary = await openaiTarget(() => unavailable);
    const fallback = await anthropicTarget();
    const h = await proxyForModel(modelOf(toolSecond), [primary.target, fallback.target]);
    const response = await replay(h, toolSecond);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-understudy-provider')).toBe('p2');
    expect(textOf(await anthropicAnswer(response))).toBe('Paris is the capital of France.');
    expect(fallback.upstream.requests[0]!.body).toEqual({ ...toolSecond.body, model: CLAUDE_MODEL });
    expect(fallback.upstream.requests[0]!.headers['anthropic-beta']).toBe(toolSecond.headers['anthropic-beta']);
  });
});
