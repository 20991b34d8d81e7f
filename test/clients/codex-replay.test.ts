import { describe, expect, it } from 'vitest';
import { fakeHttp, sseFixture, useCleanups } from '../translation/upstreams.ts';
import { capture, proxyForModel, replay, responsesAnswer, type Exchange, type ReplayTarget } from './replay.ts';
import { unavailable } from './upstream-answers.ts';

/**
 * What Codex CLI 0.171.0 sent (`codex exec`, captured from the real CLI) replayed through the
 * proxy: to an OpenAI target that serves the Responses API (passed through as sent), to a
 * Chat-Completions-only target and to an Anthropic target (translated), and with failover.
 */

useCleanups();

const text = capture('codex-text');
const tool = capture('codex-tool');
const [textTurn] = text.exchanges as [Exchange];
const [, toolSecond] = tool.exchanges as [Exchange, Exchange];
const model = textTurn.body.model as string;

async function target(kind: ReplayTarget['kind'], script: Parameters<typeof fakeHttp>[0], apis?: ReplayTarget['apis']) {
  const upstream = await fakeHttp(script);
  const url = kind === 'anthropic' ? upstream.url : upstream.baseUrl;
  return { upstream, target: { kind, url, model: kind === 'anthropic' ? 'claude-sonnet-4-5' : 'gpt-5', ...(apis ? { apis } : {}) } satisfies ReplayTarget };
}

const responsesTarget = (script: Parameters<typeof fakeHttp>[0] = () => sseFixture('openai-responses', 'text')) => target('openai', script);
const chatOnlyTarget = (script: Parameters<typeof fakeHttp>[0] = () => sseFixture('openai', 'text')) => target('openai-compatible', script);
const anthropicTarget = (script: Parameters<typeof fakeHttp>[0] = () => sseFixture('anthropic', 'text')) => target('anthropic', script);

/** The text of a Responses answer's message items. */
function outputText(output: { type: string; content?: { type: string; text?: string }[] }[]): string {
  return output
    .filter((item) => item.type === 'message')
    .flatMap((item) => item.content ?? [])
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}

describe('Codex → an OpenAI target serving the Responses API (same dialect and API)', () => {
  for (const [name, exchange] of [
    ['a text turn', textTurn],
    ['the turn carrying a function_call_output', toolSecond],
  ] as const) {
    it(`${name}: arrives upstream as sent (model aside); the stream comes back complete`, async () => {
      const { upstream, target: t } = await responsesTarget();
      const h = await proxyForModel(model, [t]);
      const response = await replay(h, exchange);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const { final, types } = await responsesAnswer(response);
      expect(final.status).toBe('completed');
      expect(outputText(final.output)).toBe('Paris is the capital of France.');
      expect(types[0]).toBe('response.created');
      expect(types.at(-1)).toBe('response.completed');
      const seen = upstream.requests[0]!;
      expect(seen.url).toBe('/v1/responses');
      expect(seen.body).toEqual({ ...exchange.body, model: 'gpt-5' });
      expect(seen.headers.authorization).toBe('Bearer sk-test-not-a-real-key');
    });
  }
});

/** The Chat Completions request the proxy built from a Codex turn. */
interface ChatRequest {
  model: string;
  stream: boolean;
  messages: { role: string; content?: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string } }[];
}

/** The Messages request the proxy built from a Codex turn. */
interface MessagesRequest {
  model: string;
  system?: unknown;
  messages: { role: string; content: unknown }[];
  tools?: { name: string }[];
}

describe('Codex → a Chat-Completions-only target (translated)', () => {
  it('a text turn: developer messages, the prompt and the function tools arrive as Chat Completions; the answer is a Responses stream', async () => {
    const { upstream, target: t } = await chatOnlyTarget();
    const h = await proxyForModel(model, [t]);
    const response = await replay(h, textTurn);
    expect(response.status).toBe(200);
    const { final, types } = await responsesAnswer(response);
    expect(outputText(final.output)).toBe('Paris is the capital.');
    expect(types.at(-1)).toBe('response.completed');
    const seen = upstream.requests[0]!;
    expect(seen.url).toBe('/v1/chat/completions');
    const body = seen.body as ChatRequest;
    expect(body).toMatchObject({ model: 'gpt-5', stream: true });
    expect(JSON.stringify(body.messages)).toContain('You are a coding agent running in the Codex CLI');
    expect(JSON.stringify(body.messages.at(-1))).toContain('Say hello in five words.');
    expect(body.tools?.map((tool) => tool.function.name)).toContain('exec_command');
  });

  it('the tool round trip: the function_call and its output arrive as an assistant tool call and a tool message', async () => {
    const { upstream, target: t } = await chatOnlyTarget();
    const h = await proxyForModel(model, [t]);
    const response = await replay(h, toolSecond);
    expect(response.status).toBe(200);
    expect(outputText((await responsesAnswer(response)).final.output)).toBe('Paris is the capital.');
    const body = upstream.requests[0]!.body as ChatRequest;
    const call = body.messages.find((m) => m.tool_calls);
    expect(call).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_capture01', function: { name: 'exec_command' } }] });
    expect(JSON.parse(call!.tool_calls![0]!.function.arguments)).toMatchObject({ cmd: 'cat notes.txt' });
    const result = body.messages.find((m) => m.role === 'tool');
    expect(result).toMatchObject({ tool_call_id: 'call_capture01' });
    expect(JSON.stringify(result!.content)).toContain('The proxy is called Understudy.');
  });
});

describe('Codex → an Anthropic target (translated)', () => {
  it('a text turn: developer messages become the system prompt, the function tools Anthropic tools', async () => {
    const { upstream, target: t } = await anthropicTarget();
    const h = await proxyForModel(model, [t]);
    const response = await replay(h, textTurn);
    expect(response.status).toBe(200);
    const { final } = await responsesAnswer(response);
    expect(outputText(final.output)).toBe('Paris is the capital of France.');
    expect(final.usage).toMatchObject({ input_tokens: 18, output_tokens: 9 });
    const seen = upstream.requests[0]!;
    expect(seen.url).toBe('/v1/messages');
    const body = seen.body as MessagesRequest;
    expect(body.model).toBe('claude-sonnet-4-5');
    expect(JSON.stringify(body.system)).toContain('You are a coding agent running in the Codex CLI');
    expect(JSON.stringify(body.messages.at(-1))).toContain('Say hello in five words.');
    expect(body.tools?.map((tool) => tool.name)).toContain('exec_command');
  });

  it('the tool round trip: the function_call and its output arrive as tool_use and tool_result', async () => {
    const { upstream, target: t } = await anthropicTarget();
    const h = await proxyForModel(model, [t]);
    const response = await replay(h, toolSecond);
    expect(response.status).toBe(200);
    expect(outputText((await responsesAnswer(response)).final.output)).toBe('Paris is the capital of France.');
    const body = upstream.requests[0]!.body as MessagesRequest;
    const wire = JSON.stringify(body.messages);
    expect(body.messages.find((m) => JSON.stringify(m.content).includes('"tool_use"'))).toMatchObject({ role: 'assistant', content: expect.arrayContaining([expect.objectContaining({ type: 'tool_use', id: 'call_capture01', name: 'exec_command' })]) });
    expect(wire).toContain('"tool_use_id":"call_capture01"');
    expect(wire).toContain('The proxy is called Understudy.');
  });
});

describe('Codex with failover', () => {
  it('a Responses primary answering 503 → the Anthropic fallback serves the turn as a Responses stream', async () => {
    const primary = await responsesTarget(() => unavailable);
    const fallback = await anthropicTarget();
    const h = await proxyForModel(model, [primary.target, fallback.target]);
    const response = await replay(h, toolSecond);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-understudy-provider')).toBe('p2');
    const { final } = await responsesAnswer(response);
    expect(outputText(final.output)).toBe('Paris is the capital of France.');
    expect(fallback.upstream.requests).toHaveLength(1);
  });

  it('a Chat-Completions-only primary answering 503 → the Responses fallback receives the request as Codex sent it', async () => {
    const primary = await chatOnlyTarget(() => unavailable);
    const fallback = await responsesTarget();
    const h = await proxyForModel(model, [primary.target, fallback.target]);
    const response = await replay(h, toolSecond);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-understudy-provider')).toBe('p2');
    expect(outputText((await responsesAnswer(response)).final.output)).toBe('Paris is the capital of France.');
    expect(fallback.upstream.requests[0]!.body).toEqual({ ...toolSecond.body, model: 'gpt-5' });
  });
});
