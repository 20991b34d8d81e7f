import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bedrockProvider } from '../../../functions/dialects/bedrock/index.ts';
import type { ProviderIO, TargetCall } from '../../../functions/ir/dialect.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';
import type { ChatRequest } from '../../../functions/ir/request.ts';
import { type FakeBedrock, type Frame, type Reply, startFakeBedrock } from './fake-bedrock.ts';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const saved: Record<string, string | undefined> = {};
let fake: FakeBedrock;
let reply: Reply;

beforeAll(async () => {
  // Fake credentials so the real SDK signs through its default chain; nothing leaves 127.0.0.1.
  for (const [key, value] of Object.entries({ AWS_ACCESS_KEY_ID: 'AKIDFAKEFAKEFAKE', AWS_SECRET_ACCESS_KEY: 'fake-secret', AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined })) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  fake = await startFakeBedrock(() => reply);
});

afterAll(async () => {
  await fake.close();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function target(): TargetCall {
  return { provider: { name: 'bedrock', kind: 'bedrock', region: 'us-east-1', baseUrl: fake.endpoint }, model: MODEL, forwardHeaders: {} };
}

function io(signal: AbortSignal = new AbortController().signal): ProviderIO {
  return { upstream: () => Promise.reject(new Error('Bedrock must not use io.upstream')), signal };
}

function chat(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }], stream: true, ...overrides };
}

async function run(frames: Frame[], request: ChatRequest = chat()): Promise<StreamEvent[]> {
  reply = { kind: 'stream', frames };
  const opened = await bedrockProvider.open(request, target(), io());
  if (!opened.ok) throw new Error(`open failed: ${JSON.stringify(opened.failure)}`);
  const events: StreamEvent[] = [];
  for await (const event of opened.events) events.push(event);
  return events;
}

const ev = (event: string, payload: unknown): Frame => ({ event, payload });

describe('bedrockProvider.open against a fake Bedrock', () => {
  it('streams text, then usage and finish after the metadata that follows messageStop', async () => {
    const events = await run([
      ev('messageStart', { role: 'assistant' }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Oslo is' }, p: 'abcdef' }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ' cold today.' } }),
      ev('contentBlockStop', { contentBlockIndex: 0 }),
      ev('messageStop', { stopReason: 'end_turn' }),
      ev('metadata', { usage: { inputTokens: 31, outputTokens: 7, totalTokens: 38, cacheReadInputTokens: 100, cacheWriteInputTokens: 20 }, metrics: { latencyMs: 842 } }),
    ]);
    expect(events).toEqual([
      { type: 'start', model: MODEL },
      { type: 'text-delta', text: 'Oslo is' },
      { type: 'text-delta', text: ' cold today.' },
      { type: 'usage', usage: { inputTokens: 151, outputTokens: 7, cacheReadTokens: 100, cacheWriteTokens: 20 } },
      { type: 'finish', reason: 'stop', providerReason: 'end_turn' },
    ]);
    const seen = fake.requests.at(-1)!;
    expect(seen.operation).toBe('converse-stream');
    expect(seen.modelId).toBe(MODEL);
    expect(String(seen.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFAKEFAKEFAKE\//);
    expect(seen.body.messages).toEqual([{ role: 'user', content: [{ text: 'Weather in Oslo?' }] }]);
  });

  it('streams a tool call after text, numbering calls by ordinal', async () => {
    const events = await run([
      ev('messageStart', { role: 'assistant' }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Checking.' } }),
      ev('contentBlockStop', { contentBlockIndex: 0 }),
      ev('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_Xk2', name: 'get_weather' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Oslo"}' } } }),
      ev('contentBlockStop', { contentBlockIndex: 1 }),
      ev('messageStop', { stopReason: 'tool_use' }),
      ev('metadata', { usage: { inputTokens: 410, outputTokens: 38, totalTokens: 448 }, metrics: { latencyMs: 1290 } }),
    ]);
    expect(events).toEqual([
      { type: 'start', model: MODEL },
      { type: 'text-delta', text: 'Checking.' },
      { type: 'tool-call-start', index: 0, id: 'tooluse_Xk2', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":' },
      { type: 'tool-call-delta', index: 0, arguments: '"Oslo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'usage', usage: { inputTokens: 410, outputTokens: 38 } },
      { type: 'finish', reason: 'tool-calls', providerReason: 'tool_use' },
    ]);
  });

  it('streams parallel tool calls; a call without input gets "{}"', async () => {
    const events = await run([
      ev('messageStart', { role: 'assistant' }),
      ev('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't1', name: 'get_weather' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":"Oslo"}' } } }),
      ev('contentBlockStop', { contentBlockIndex: 0 }),
      ev('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 't2', name: 'get_time' } } }),
      ev('contentBlockStop', { contentBlockIndex: 1 }),
      ev('messageStop', { stopReason: 'tool_use' }),
      ev('metadata', { usage: { inputTokens: 5, outputTokens: 9, totalTokens: 14 }, metrics: { latencyMs: 1 } }),
    ]);
    expect(events.filter((e) => e.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', index: 0, id: 't1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":"Oslo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 't2', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, arguments: '{}' },
      { type: 'tool-call-end', index: 1 },
    ]);
  });

  it('streams reasoning text and its signature', async () => {
    const events = await run([
      ev('messageStart', { role: 'assistant' }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Think' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig==' } } }),
      ev('contentBlockStop', { contentBlockIndex: 0 }),
      ev('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Answer' } }),
      ev('contentBlockStop', { contentBlockIndex: 1 }),
      ev('messageStop', { stopReason: 'end_turn' }),
    ]);
    expect(events).toEqual([
      { type: 'start', model: MODEL },
      { type: 'reasoning-delta', text: 'Think' },
      { type: 'reasoning-delta', text: '', signature: 'sig==' },
      { type: 'text-delta', text: 'Answer' },
      // No metadata came: the finish is emitted at the end of the stream.
      { type: 'finish', reason: 'stop', providerReason: 'end_turn' },
    ]);
  });

  it('turns an in-stream exception into an error event and stops', async () => {
    const events = await run([
      ev('messageStart', { role: 'assistant' }),
      { exception: 'throttlingException', payload: { message: 'Too many tokens, please wait before trying again.' } },
    ]);
    expect(events).toEqual([
      { type: 'start', model: MODEL },
      { type: 'error', failure: { kind: 'rate-limit', message: 'Too many tokens, please wait before trying again.', providerCode: 'ThrottlingException' } },
    ]);
  });

  it('classifies an in-stream modelStreamErrorException as a server failure', async () => {
    const events = await run([
      ev('messageStart', { role: 'assistant' }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hal' } }),
      { exception: 'modelStreamErrorException', payload: { message: 'model stream broke', originalStatusCode: 500 } },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'error', failure: { kind: 'server', providerCode: 'ModelStreamErrorException' } });
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });

  it('lets a cut connection surface as a thrown error, never a finish', async () => {
    reply = { kind: 'stream', frames: [ev('messageStart', { role: 'assistant' }), ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hal' } })], then: 'cut' };
    const opened = await bedrockProvider.open(chat(), target(), io());
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const events: StreamEvent[] = [];
    await expect(
      (async () => {
        for await (const event of opened.events) events.push(event);
      })(),
    ).rejects.toThrow();
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });

  it('ends the iteration with a throw when the attempt aborts mid-stream', async () => {
    reply = { kind: 'stream', frames: [ev('messageStart', { role: 'assistant' }), ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hal' } })], then: 'hang' };
    const controller = new AbortController();
    const opened = await bedrockProvider.open(chat(), target(), io(controller.signal));
    if (!opened.ok) throw new Error('expected ok');
    const events: StreamEvent[] = [];
    await expect(
      (async () => {
        for await (const event of opened.events) {
          events.push(event);
          if (event.type === 'text-delta') controller.abort(new Error('idle-timeout'));
        }
      })(),
    ).rejects.toThrow();
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta']);
  });

  it('JSON mode: the forced tool input becomes text and the finish is "stop"', async () => {
    const request = chat({ responseFormat: { type: 'json-schema', name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } });
    const events = await run(
      [
        ev('messageStart', { role: 'assistant' }),
        ev('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tj', name: 'json_response' } } }),
        ev('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":' } } }),
        ev('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '"Oslo"}' } } }),
        ev('contentBlockStop', { contentBlockIndex: 0 }),
        ev('messageStop', { stopReason: 'tool_use' }),
        ev('metadata', { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 }, metrics: { latencyMs: 1 } }),
      ],
      request,
    );
    expect(events).toEqual([
      { type: 'start', model: MODEL },
      { type: 'text-delta', text: '{"city":' },
      { type: 'text-delta', text: '"Oslo"}' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } },
      { type: 'finish', reason: 'stop', providerReason: 'tool_use' },
    ]);
    const toolConfig = fake.requests.at(-1)!.body.toolConfig as Record<string, unknown>;
    expect(toolConfig.toolChoice).toEqual({ tool: { name: 'json_response' } });
    expect(toolConfig.tools).toEqual([
      { toolSpec: { name: 'json_response', description: 'Respond with the answer as a JSON object.', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } } },
    ]);
  });
});

describe('bedrockProvider.open: HTTP errors and refusals', () => {
  it('classifies ThrottlingException (429) as a rate limit', async () => {
    reply = { kind: 'error', status: 429, errorType: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' };
    const opened = await bedrockProvider.open(chat(), target(), io());
    expect(opened).toEqual({
      ok: false,
      failure: { kind: 'rate-limit', status: 429, message: 'Too many requests, please wait before trying again.', providerCode: 'ThrottlingException' },
    });
  });

  it('does not retry inside the SDK', async () => {
    const before = fake.requests.length;
    reply = { kind: 'error', status: 503, errorType: 'ServiceUnavailableException', message: 'Service unavailable' };
    const opened = await bedrockProvider.open(chat(), target(), io());
    expect(opened).toMatchObject({ ok: false, failure: { kind: 'server', status: 503, providerCode: 'ServiceUnavailableException' } });
    expect(fake.requests.length - before).toBe(1);
  });

  it('classifies ServiceQuotaExceededException (HTTP 400) as a rate limit', async () => {
    reply = { kind: 'error', status: 400, errorType: 'ServiceQuotaExceededException', message: 'Your request rate is too high. Reduce the frequency of requests.' };
    const opened = await bedrockProvider.open(chat(), target(), io());
    expect(opened).toMatchObject({ ok: false, failure: { kind: 'rate-limit', status: 400, providerCode: 'ServiceQuotaExceededException' } });
  });

  it('classifies a too-long ValidationException as context-length, others as invalid-request', async () => {
    reply = { kind: 'error', status: 400, errorType: 'ValidationException', message: 'Input is too long for requested model.' };
    expect(await bedrockProvider.open(chat(), target(), io())).toMatchObject({ ok: false, failure: { kind: 'context-length', status: 400 } });
    reply = { kind: 'error', status: 400, errorType: 'ValidationException', message: 'Malformed input request: #: extraneous key [foo] is not permitted' };
    expect(await bedrockProvider.open(chat(), target(), io())).toMatchObject({ ok: false, failure: { kind: 'invalid-request', status: 400, providerCode: 'ValidationException' } });
  });

  it('classifies AccessDeniedException as auth', async () => {
    reply = { kind: 'error', status: 403, errorType: 'AccessDeniedException', message: 'You do not have access to the model.' };
    expect(await bedrockProvider.open(chat(), target(), io())).toMatchObject({ ok: false, failure: { kind: 'auth', status: 403 } });
  });

  it('refuses an image URL before any call', async () => {
    const before = fake.requests.length;
    const request = chat({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } }] }] });
    const opened = await bedrockProvider.open(request, target(), io());
    expect(opened).toEqual({ ok: false, failure: { kind: 'unsupported', message: 'Bedrock accepts images only as bytes, not as URLs' } });
    expect(fake.requests.length).toBe(before);
  });

  it('reports a refused connection as connect', async () => {
    const closed = await startFakeBedrock(() => reply);
    const endpoint = closed.endpoint;
    await closed.close();
    const opened = await bedrockProvider.open(chat(), { ...target(), provider: { ...target().provider, baseUrl: endpoint } }, io());
    expect(opened).toMatchObject({ ok: false, failure: { kind: 'connect' } });
  });

  it('returns a failure, not a throw, when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('header-timeout'));
    reply = { kind: 'stream', frames: [] };
    const opened = await bedrockProvider.open(chat(), target(), io(controller.signal));
    expect(opened.ok).toBe(false);
  });
});

describe('bedrockProvider.probe', () => {
  it('is ok when a one-token Converse call answers', async () => {
    reply = {
      kind: 'json',
      status: 200,
      body: { output: { message: { role: 'assistant', content: [{ text: 'Po' }] } }, stopReason: 'max_tokens', usage: { inputTokens: 8, outputTokens: 1, totalTokens: 9 }, metrics: { latencyMs: 5 } },
    };
    const result = await bedrockProvider.probe(target(), io());
    expect(result.ok).toBe(true);
    const seen = fake.requests.at(-1)!;
    expect(seen.operation).toBe('converse');
    expect(seen.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'ping' }] }], inferenceConfig: { maxTokens: 1 } });
  });

  it('reports the classified failure when Converse fails', async () => {
    reply = { kind: 'error', status: 429, errorType: 'ThrottlingException', message: 'slow down' };
    const result = await bedrockProvider.probe(target(), io());
    expect(result).toMatchObject({ ok: false, failure: { kind: 'rate-limit', status: 429 } });
  });
});
