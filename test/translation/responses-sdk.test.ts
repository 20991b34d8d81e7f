import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { openaiError, openaiTextFrames } from '../support/fake-provider.ts';
import { fakeHttp, fixture, proxyFor, sseFixture, useCleanups } from './upstreams.ts';

/**
 * The official `openai` SDK's Responses API (`responses.create`, `responses.stream`) through the
 * proxy to a Chat-Completions-only provider, an Anthropic one and a Responses one, with failover.
 */

useCleanups();

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('Responses client → Chat-Completions-only provider (translation)', () => {
  it('responses.create without a stream: a Response object whose output_text is the answer', async () => {
    const up = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['Paris is', ' the capital.']) }));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${up.url}/v1`, model: 'llama-3' }]);
    const response = await h.openai.responses.create({ model: 'alias', instructions: 'Be brief.', input: 'Capital of France?' });
    expect(response.object).toBe('response');
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Paris is the capital.');
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(response.usage).toMatchObject({ input_tokens: 11, output_tokens: 2, total_tokens: 13 });
    expect(up.requests[0]!.url).toBe('/v1/chat/completions');
    expect(up.requests[0]!.body).toMatchObject({
      model: 'llama-3',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
      ],
    });
  });

  it('responses.stream: typed events in order with sequence numbers, and the final response', async () => {
    const up = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['Paris is', ' the capital.']) }));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${up.url}/v1`, model: 'llama-3' }]);
    const stream = h.openai.responses.stream({ model: 'alias', input: [{ role: 'user', content: 'Capital of France?' }] });
    const types: string[] = [];
    const sequence: number[] = [];
    let deltas = '';
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
    }
    const final = await stream.finalResponse();
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(sequence).toEqual(sequence.map((_, i) => i));
    expect(deltas).toBe('Paris is the capital.');
    expect(final.output_text).toBe('Paris is the capital.');
    expect(final.status).toBe('completed');
    expect(final.usage?.output_tokens).toBe(2);
  });

  it('a function tool round trip: the call streams out, its output goes back as a tool message', async () => {
    const up = await fakeHttp((_req, i) => (i === 0 ? sseFixture('openai', 'parallel-tools') : { kind: 'sse', frames: openaiTextFrames(['It is sunny.']) }));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${up.url}/v1`, model: 'llama-3' }]);
    const stream = h.openai.responses.stream({ model: 'alias', input: 'Weather in Oslo and Paris?', tools: [weatherTool] });
    const first = await stream.finalResponse();
    const calls = first.output.filter((item) => item.type === 'function_call');
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of calls) expect(() => JSON.parse(call.arguments)).not.toThrow();
    expect(up.requests[0]!.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool.parameters, strict: true } }],
    });

    const second = await h.openai.responses.create({
      model: 'alias',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'Weather in Oslo and Paris?' },
        ...calls.map((c) => ({ type: 'function_call' as const, call_id: c.call_id, name: c.name, arguments: c.arguments })),
        ...calls.map((c) => ({ type: 'function_call_output' as const, call_id: c.call_id, output: '{"sky":"clear"}' })),
      ],
    });
    expect(second.output_text).toBe('It is sunny.');
    const messages = (up.requests[1]!.body as { messages: { role: string; tool_calls?: unknown[]; tool_call_id?: string }[] }).messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', ...calls.map(() => 'tool')]);
    expect(messages[1]!.tool_calls).toHaveLength(calls.length);
    expect(messages[2]!.tool_call_id).toBe(calls[0]!.call_id);
  });

  it('JSON schema output: text.format reaches the upstream as response_format; the SDK parses the answer', async () => {
    const up = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['{"city":', '"Oslo"}']) }));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${up.url}/v1`, model: 'llama-3' }]);
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const response = await h.openai.responses.parse({
      model: 'alias',
      input: 'Which city?',
      text: { format: { type: 'json_schema', name: 'city', schema, strict: true } },
    });
    expect(response.output_parsed).toEqual({ city: 'Oslo' });
    expect(up.requests[0]!.body).toMatchObject({ response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } } });
  });

  it('a custom (free-form) tool: declared as a function taking {input}; the call comes back as a custom_tool_call with the raw input', async () => {
    const patch = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch';
    const chunk = (delta: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const frames = [
      chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'apply_patch', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify({ input: patch }) } }] }),
      chunk({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ];
    const up = await fakeHttp(() => ({ kind: 'sse', frames }));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${up.url}/v1`, model: 'llama-3' }]);
    const grammar = { type: 'grammar' as const, syntax: 'lark' as const, definition: 'start: "*** Begin Patch" /(.|\\n)*/ "*** End Patch"' };
    const stream = h.openai.responses.stream({
      model: 'alias',
      input: 'Add a file',
      tools: [{ type: 'custom', name: 'apply_patch', description: 'Edit files', format: grammar }],
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    expect(types).toContain('response.custom_tool_call_input.done');
    expect(final.output).toEqual([expect.objectContaining({ type: 'custom_tool_call', call_id: 'call_1', name: 'apply_patch', input: patch, status: 'completed' })]);
    const tool = (up.requests[0]!.body as { tools: { function: { name: string; description: string; parameters: unknown } }[] }).tools[0]!;
    expect(tool.function.name).toBe('apply_patch');
    expect(tool.function.parameters).toMatchObject({ required: ['input'] });
    expect(tool.function.description).toContain(grammar.definition);
  });
});

describe('Responses client → Anthropic (translation)', () => {
  it('text, streamed and not', async () => {
    const up = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: up.url, model: 'claude-sonnet-4-5' }]);
    const created = await h.openai.responses.create({ model: 'alias', input: 'Capital of France?', max_output_tokens: 64 });
    expect(created.output_text).toBe('Paris is the capital of France.');
    expect(created.usage).toMatchObject({ input_tokens: 18, output_tokens: 9 });
    expect(up.requests[0]!.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user' }] });
    const final = await h.openai.responses.stream({ model: 'alias', input: 'Capital of France?' }).finalResponse();
    expect(final.output_text).toBe('Paris is the capital of France.');
  });

  it('a tool call streams out as a function_call item; its output goes back as a tool_result', async () => {
    const up = await fakeHttp((_req, i) => (i === 0 ? sseFixture('anthropic', 'tool-use') : sseFixture('anthropic', 'text')));
    const h = await proxyFor([{ kind: 'anthropic', url: up.url, model: 'claude-haiku-4-5' }]);
    const first = await h.openai.responses.stream({ model: 'alias', input: 'Weather in Oslo?', tools: [weatherTool] }).finalResponse();
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ call_id: 'toolu_01Q9', name: 'get_weather' });
    expect(JSON.parse(call!.type === 'function_call' ? call!.arguments : '')).toEqual({ city: 'Oslo' });
    expect(first.output_text).toBe('Let me check.');

    await h.openai.responses.create({
      model: 'alias',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'Weather in Oslo?' },
        ...first.output.flatMap((item): OpenAI.Responses.ResponseInputItem[] =>
          item.type === 'function_call'
            ? [{ type: 'function_call' as const, call_id: item.call_id, name: item.name, arguments: item.arguments }]
            : item.type === 'message'
              ? [{ role: 'assistant' as const, content: item.content.map((c) => (c.type === 'output_text' ? c.text : '')).join('') }]
              : [],
        ),
        { type: 'function_call_output' as const, call_id: 'toolu_01Q9', output: '{"sky":"clear"}' },
      ],
    });
    const messages = (up.requests[1]!.body as { messages: { role: string; content: { type: string; tool_use_id?: string }[] }[] }).messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[1]!.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(messages[2]!.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_01Q9' });
  });
});

describe('Responses client → Responses provider', () => {
  it('text: the upstream gets a Responses request at /v1/responses; the SDK builds the same final response', async () => {
    const up = await fakeHttp(() => sseFixture('openai-responses', 'text'));
    const h = await proxyFor([{ kind: 'openai', url: `${up.url}/v1`, model: 'gpt-5' }]);
    const final = await h.openai.responses
      .stream({ model: 'alias', input: 'Capital of France?', store: false, prompt_cache_key: 'k1', metadata: { team: 'a' }, reasoning: { effort: 'low', summary: 'auto' } })
      .finalResponse();
    expect(final.output_text).toBe('Paris is the capital of France.');
    expect(final.usage).toMatchObject({ input_tokens: 14, output_tokens: 9 });
    expect(up.requests[0]!.url).toBe('/v1/responses');
    expect(up.requests[0]!.body).toMatchObject({
      model: 'gpt-5',
      stream: true,
      store: false,
      prompt_cache_key: 'k1',
      metadata: { team: 'a' },
      reasoning: { effort: 'low', summary: 'auto' },
      // An OpenAI target gets the client's own body: the input string as sent.
      input: 'Capital of France?',
    });
  });

  it('reasoning with encrypted content and a function call; the encrypted reasoning goes back to the same provider only', async () => {
    const up = await fakeHttp((_req, i) => (i === 0 ? sseFixture('openai-responses', 'reasoning-function-call') : sseFixture('openai-responses', 'text')));
    const h = await proxyFor([{ kind: 'openai', url: `${up.url}/v1`, model: 'gpt-5' }]);
    const first = await h.openai.responses
      .stream({ model: 'alias', input: 'Weather in Oslo?', tools: [weatherTool], include: ['reasoning.encrypted_content'], store: false })
      .finalResponse();
    const reasoning = first.output.find((item) => item.type === 'reasoning');
    const call = first.output.find((item) => item.type === 'function_call');
    expect(reasoning).toMatchObject({ summary: [{ type: 'summary_text', text: '**Checking the weather**' }] });
    expect(reasoning?.type === 'reasoning' && reasoning.encrypted_content).toContain('gAAAAABo0fakeEncryptedReasoningBlob==');
    expect(call).toMatchObject({ call_id: 'call_Wx81kd2', name: 'get_weather', arguments: '{"city":"Oslo"}' });
    expect(first.usage?.output_tokens_details.reasoning_tokens).toBe(24);

    await h.openai.responses.create({
      model: 'alias',
      tools: [weatherTool],
      store: false,
      input: [{ role: 'user', content: 'Weather in Oslo?' }, ...first.output, { type: 'function_call_output', call_id: 'call_Wx81kd2', output: 'sunny' }] as never,
    });
    const input = (up.requests[1]!.body as { input: Record<string, unknown>[] }).input;
    expect(input.map((item) => item.type ?? item.role)).toEqual(['user', 'reasoning', 'function_call', 'function_call_output']);
    expect(input[1]).toEqual({
      type: 'reasoning',
      id: 'rs_68c1fb2a0a7c8190b5f1',
      summary: [{ type: 'summary_text', text: '**Checking the weather**' }],
      encrypted_content: 'gAAAAABo0fakeEncryptedReasoningBlob==',
    });
  });

  it('a custom tool call streams back as a custom_tool_call with its raw input', async () => {
    const up = await fakeHttp(() => sseFixture('openai-responses', 'custom-tool-call'));
    const h = await proxyFor([{ kind: 'openai', url: `${up.url}/v1`, model: 'gpt-5' }]);
    const final = await h.openai.responses
      .stream({ model: 'alias', input: 'Add hello.txt', tools: [{ type: 'custom', name: 'apply_patch', description: 'Edit files' }] })
      .finalResponse();
    expect(final.output[0]).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', call_id: 'call_Pq27', input: '*** Begin Patch\n*** Add File: hello.txt\n+Hello "world"\n*** End Patch' });
    expect(up.requests[0]!.body).toMatchObject({ tools: [{ type: 'custom', name: 'apply_patch', description: 'Edit files' }] });
  });

  it('response.incomplete for max_output_tokens', async () => {
    const up = await fakeHttp(() => sseFixture('openai-responses', 'incomplete'));
    const h = await proxyFor([{ kind: 'openai', url: `${up.url}/v1`, model: 'gpt-5' }]);
    const response = await h.openai.responses.create({ model: 'alias', input: 'A story', max_output_tokens: 2 });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.output_text).toBe('Once upon');
  });

  it('a Chat Completions client served by a Responses-only provider', async () => {
    const up = await fakeHttp(() => sseFixture('openai-responses', 'reasoning-function-call'));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${up.url}/v1`, model: 'gpt-5', apis: ['responses'] }]);
    const completion = await h.openai.chat.completions.create({
      model: 'alias',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool.parameters } }],
    });
    expect(up.requests[0]!.url).toBe('/v1/responses');
    expect(up.requests[0]!.body).toMatchObject({ store: false, tools: [{ type: 'function', name: 'get_weather' }] });
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]!.message.tool_calls).toEqual([
      { id: 'call_Wx81kd2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
    ]);
  });
});

describe('failover for a Responses client', () => {
  it('a Responses provider that fails before the commit (503, then response.failed) → Anthropic serves', async () => {
    const p1 = await fakeHttp(() => openaiError(503, 'The engine is currently overloaded', 'server_error'));
    const p2 = await fakeHttp(() => sseFixture('openai-responses', 'failed'));
    const p3 = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor(
      [
        { kind: 'openai', url: `${p1.url}/v1`, model: 'gpt-5' },
        { kind: 'azure-openai', url: `${p2.url}/openai/v1`, model: 'gpt-5' },
        { kind: 'anthropic', url: p3.url, model: 'claude-sonnet-4-5' },
      ],
      { maxAttempts: 5 },
    );
    const { data, response } = await h.openai.responses.create({ model: 'alias', input: 'Capital of France?', stream: true }).withResponse();
    // A quiet target's transient failure may be retried once (RELIABILITY.md): then the next one serves.
    expect(response.headers.get('x-understudy-attempts')).toMatch(/^p1\/gpt-5=503(,p1\/gpt-5=503)?,p2\/gpt-5=server(,p2\/gpt-5=server)?,p3\/claude-sonnet-4-5=200$/);
    let text = '';
    let completed = false;
    for await (const event of data) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = true;
    }
    expect(text).toBe('Paris is the capital of France.');
    expect(completed).toBe(true);
    expect(p2.requests[0]!.url).toBe('/openai/v1/responses');
  });

  it('a Chat-only provider fails, a Responses provider serves; encrypted reasoning from another issuer is dropped', async () => {
    const p1 = await fakeHttp(() => ({ kind: 'reset' }));
    const p2 = await fakeHttp(() => sseFixture('openai-responses', 'text'));
    const h = await proxyFor([
      { kind: 'openai-compatible', url: `${p1.url}/v1`, model: 'llama-3' },
      { kind: 'openai', url: `${p2.url}/v1`, model: 'gpt-5' },
    ]);
    const response = await h.openai.responses.create({
      model: 'alias',
      input: [
        { role: 'user', content: 'Hi' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'understudy.1:elsewhere:r:rs_1:gAAAAforeign' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Capital of France?' },
      ] as never,
    });
    expect(response.output_text).toBe('Paris is the capital of France.');
    const input = (p2.requests[0]!.body as { input: Record<string, unknown>[] }).input;
    expect(input.some((item) => item.type === 'reasoning')).toBe(false);
  });
});

describe('Responses errors and bad inputs', () => {
  it('a bad input is a 400 in the OpenAI error format, naming the parameter; nothing reaches a provider', async () => {
    const up = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['x']) }));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${up.url}/v1`, model: 'llama-3' }]);
    const post = (body: unknown) => fetch(`${h.proxy.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const cases: [unknown, string][] = [
      [{ model: 'alias' }, 'input'],
      [{ model: 'alias', input: 42 }, 'input'],
      [{ model: 'alias', input: [{ type: 'function_call_output', output: 'x' }] }, 'input[0].call_id'],
      [{ model: 'alias', input: [{ type: 'telepathy' }] }, 'input[0].type'],
      [{ model: 'alias', input: 'hi', tools: [{ type: 'function', name: 'bad name!' }] }, 'tools[0].name'],
      [{ model: 'alias', input: 'hi', text: { format: { type: 'json_schema' } } }, 'text.format.name'],
      [{ model: 'alias', input: 'hi', max_output_tokens: -1 }, 'max_output_tokens'],
      [{ model: 'alias', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }, 'input[0].content[0].file_id'],
    ];
    for (const [body, param] of cases) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.headers.get('x-should-retry')).toBe('false');
      const error = ((await response.json()) as { error: { type: string; param: string } }).error;
      expect(error).toMatchObject({ type: 'invalid_request_error', param });
    }
    expect((await post({ model: 'nope', input: 'hi' })).status).toBe(404);
    const invalidJson = await fetch(`${h.proxy.url}/responses`, { method: 'POST', body: '{' });
    expect(invalidJson.status).toBe(400);
    expect((await fetch(`${h.proxy.url}/v1/responses`)).status).toBe(405);
    expect(up.requests).toHaveLength(0);
  });

  it('previous_response_id without a Responses target: a 400 that says why', async () => {
    const up = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: up.url, model: 'claude-sonnet-4-5' }]);
    const error = await h.openai.responses.create({ model: 'alias', input: 'and then?', previous_response_id: 'resp_123' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, param: 'previous_response_id' });
    expect((error as Error).message).toContain('Responses API');
    expect(up.requests).toHaveLength(0);
  });

  it('previous_response_id goes only to the Responses targets of the alias', async () => {
    const p1 = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const p2 = await fakeHttp(() => sseFixture('openai-responses', 'text'));
    const h = await proxyFor([
      { kind: 'anthropic', url: p1.url, model: 'claude-sonnet-4-5' },
      { kind: 'openai', url: `${p2.url}/v1`, model: 'gpt-5' },
    ]);
    const response = await h.openai.responses.create({ model: 'alias', input: 'and then?', previous_response_id: 'resp_123' });
    expect(response.output_text).toBe('Paris is the capital of France.');
    expect(p1.requests).toHaveLength(0);
    expect(p2.requests[0]!.body).toMatchObject({ previous_response_id: 'resp_123' });
  });

  it('a failure after the commit: an error event and response.failed, never a completion', async () => {
    const text = fixture('openai-responses', 'text');
    const cut = text.slice(0, text.indexOf('event: response.output_text.done'));
    const up = await fakeHttp(() => ({ kind: 'sse', frames: [cut], then: 'cut' }));
    const h = await proxyFor([{ kind: 'openai', url: `${up.url}/v1`, model: 'gpt-5' }]);
    const response = await fetch(`${h.proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'alias', input: 'Capital?', stream: true }),
    });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('event: response.output_text.delta');
    expect(body).toContain('event: error');
    expect(body).toContain('event: response.failed');
    expect(body).not.toContain('response.completed');
  });
});

describe('reasoning across providers for a Responses client', () => {
  it("Claude's signed thinking reaches the client tagged in encrypted_content and goes back to Claude as thinking blocks, never to another provider", async () => {
    const claude = await fakeHttp(() => sseFixture('anthropic', 'thinking'));
    const h = await proxyFor([{ kind: 'anthropic', url: claude.url, model: 'claude-sonnet-4-5' }]);
    const first = await h.openai.responses
      .stream({ model: 'alias', input: 'What is 2+2?', reasoning: { effort: 'low' }, include: ['reasoning.encrypted_content'], store: false })
      .finalResponse();
    const reasoning = first.output.filter((item) => item.type === 'reasoning');
    expect(reasoning.length).toBeGreaterThanOrEqual(1);
    expect(reasoning[0]).toMatchObject({ summary: [{ type: 'summary_text', text: 'Two plus two is four.' }] });
    expect(reasoning.every((r) => r.type === 'reasoning' && r.encrypted_content?.startsWith('understudy.1:p1:s:'))).toBe(true);
    expect(first.output_text).toBe('4');

    const next = [{ role: 'user' as const, content: 'What is 2+2?' }, ...first.output, { role: 'user' as const, content: 'And 3+3?' }] as OpenAI.Responses.ResponseInputItem[];
    await h.openai.responses.create({ model: 'alias', input: next, reasoning: { effort: 'low' }, store: false });
    const assistant = (claude.requests[1]!.body as { messages: { role: string; content: Record<string, unknown>[] }[] }).messages[1]!;
    expect(assistant.role).toBe('assistant');
    expect(assistant.content.slice(0, 2)).toEqual([
      { type: 'thinking', thinking: 'Two plus two is four.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3p' },
    ]);

    // Not streamed: the same two reasoning items.
    const whole = await h.openai.responses.create({ model: 'alias', input: 'What is 2+2?', include: ['reasoning.encrypted_content'] });
    expect(whole.output.filter((item) => item.type === 'reasoning')).toHaveLength(2);

    // The same history to a Chat-only target: the proof of Claude's reasoning is not sent.
    const chat = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['6']) }));
    const h2 = await proxyFor([{ kind: 'openai-compatible', url: `${chat.url}/v1`, model: 'llama-3' }]);
    await h2.openai.responses.create({ model: 'alias', input: next, store: false });
    expect(JSON.stringify(chat.requests[0]!.body)).not.toContain('EqQBCgIYAhIM1gbcDa9GJwZA2b3h');
  });
});
