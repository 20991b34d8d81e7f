import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { anthropicClient, bedrockToolFrames, fakeBedrock, fakeHttp, proxyFor, sseFixture, useCleanups, useFakeAwsCredentials } from './upstreams.ts';

/**
 * What coding agents send, end to end with the official Anthropic SDK: a mid-conversation system
 * message, `anthropic-beta` and `?beta=true`, signed thinking across a failover that changes
 * provider, tool history without tool definitions; and the input-token estimate of a translated
 * stream's message_start.
 */

useCleanups();
useFakeAwsCredentials();

const overloaded = { kind: 'json' as const, status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };

/** A Claude Code turn: thinking replayed with its signature, a tool round trip, then a system-role message after the user turn. */
const agentTurn = {
  model: 'alias',
  max_tokens: 1024,
  system: 'You are Claude Code.',
  messages: [
    { role: 'user', content: 'Read the README.' },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'I should read it.', signature: 'EqQBCkYIBxgCKkA-signed' },
        { type: 'tool_use', id: 'toolu_01', name: 'Read', input: { path: 'README.md' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '# Understudy' }] },
    { role: 'system', content: 'Plan mode is active.' },
  ],
} as unknown as Anthropic.MessageCreateParamsNonStreaming;

describe('what coding agents send', () => {
  it('Anthropic target (a model without system turns): the instruction folds into the user turn, thinking is replayed, stand-in tools are added, the beta header is forwarded', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-sonnet-4-5' }]);
    const message = await anthropicClient(h).messages.create(agentTurn, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    const seen = upstream.requests[0]!;
    expect(seen.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    const body = seen.body as { messages: { role: string; content: unknown[] }[]; tools: unknown[]; tool_choice: unknown; system: unknown };
    expect(body.system).toEqual([{ type: 'text', text: 'You are Claude Code.' }]);
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(body.messages[1]!.content[0]).toEqual({ type: 'thinking', thinking: 'I should read it.', signature: 'EqQBCkYIBxgCKkA-signed' });
    expect(body.messages[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'text', text: '# Understudy' }] },
      { type: 'text', text: '<system-reminder>\nPlan mode is active.\n</system-reminder>' },
    ]);
    expect(body.tools).toEqual([{ name: 'Read', description: 'A tool used earlier in this conversation.', input_schema: { type: 'object', properties: {} } }]);
    expect(body.tool_choice).toEqual({ type: 'none' });
  });

  it('a model that takes system turns (Opus 4.8) keeps the system message in place; `?beta=true` is accepted', async () => {
    const upstream = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: upstream.url, model: 'claude-opus-4-8' }]);
    const response = await fetch(`${h.proxy.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...agentTurn, tools: [{ name: 'Read', input_schema: { type: 'object' } }] }),
    });
    expect(response.status).toBe(200);
    const body = upstream.requests[0]!.body as { messages: { role: string; content: unknown }[] };
    // Nothing to repair for this model: the client's own body goes as sent (request fidelity).
    expect(body.messages.at(-1)).toEqual({ role: 'system', content: 'Plan mode is active.' });
  });

  it('a failover that changes provider drops the signed thinking (never forged) and folds the instruction for an OpenAI-compatible vendor', async () => {
    const anthropic = await fakeHttp(() => overloaded);
    const openai = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([
      { kind: 'anthropic', url: anthropic.url, model: 'claude-sonnet-4-5' },
      { kind: 'openai-compatible', url: `${openai.url}/v1`, model: 'qwen3-coder' },
    ]);
    const message = await anthropicClient(h).messages.create(agentTurn, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    const seen = openai.requests[0]!;
    const text = JSON.stringify(seen.body);
    expect(text).not.toContain('EqQBCkYIBxgCKkA-signed');
    expect(text).not.toContain('I should read it.');
    // A header of Anthropic's API is not sent to another provider.
    expect(seen.headers['anthropic-beta']).toBeUndefined();
    const messages = (seen.body as { messages: { role: string; content: unknown }[] }).messages;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    expect(messages.at(-1)!.content).toBe('<system-reminder>\nPlan mode is active.\n</system-reminder>');
  });

  it('a failover to Claude on Bedrock keeps the signed thinking and gets a toolConfig for the tool history', async () => {
    const anthropic = await fakeHttp(() => overloaded);
    const bedrock = await fakeBedrock(() => ({ kind: 'stream', frames: bedrockToolFrames() }));
    const h = await proxyFor([
      { kind: 'anthropic', url: anthropic.url, model: 'claude-sonnet-4-5' },
      { kind: 'bedrock', url: bedrock.endpoint, model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
    ]);
    await anthropicClient(h).messages.create(agentTurn);
    const body = bedrock.requests[0]!.body as { messages: { content: unknown[] }[]; toolConfig: { tools: { toolSpec: { name: string } }[] } };
    expect(body.messages[1]!.content[0]).toEqual({ reasoningContent: { reasoningText: { text: 'I should read it.', signature: 'EqQBCkYIBxgCKkA-signed' } } });
    expect(body.toolConfig.tools.map((t) => t.toolSpec.name)).toEqual(['Read']);
  });

  it('a translated stream estimates input tokens in message_start and gives the count in message_delta', async () => {
    const openai = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([{ kind: 'openai', url: `${openai.url}/v1`, model: 'gpt-4o' }]);
    const stream = anthropicClient(h).messages.stream({ model: 'alias', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'What is the capital of Norway? Answer in one word.' }] });
    const starts: number[] = [];
    const deltas: (number | null | undefined)[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') starts.push(event.message.usage.input_tokens);
      if (event.type === 'message_delta') deltas.push(event.usage.input_tokens);
    });
    const final = await stream.finalMessage();
    expect(starts).toHaveLength(1);
    expect(starts[0]).toBeGreaterThan(5);
    expect(starts[0]).toBeLessThan(60);
    // The fixture's provider count, which the final message keeps.
    const counted = deltas[0];
    expect(typeof counted).toBe('number');
    expect(counted).not.toBe(starts[0]);
    expect(final.usage.input_tokens).toBe(counted);
  });
});
