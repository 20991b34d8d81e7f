import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOpenAiStream } from '../../../functions/dialects/openai/parse-stream.ts';
import type { StreamEvent } from '../../../functions/ir/events.ts';

function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** Feeds the text in small pieces, so events split across chunks are exercised. */
async function* chunks(text: string, size = 41): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function replay(text: string, size?: number): Promise<StreamEvent[]> {
  let n = 0;
  const out: StreamEvent[] = [];
  for await (const event of parseOpenAiStream(chunks(text, size), () => `call_gen${n++}`)) out.push(event);
  return out;
}

describe('parseOpenAiStream (recorded-shape fixtures)', () => {
  it('text with the include_usage chunk after the finish chunk', async () => {
    expect(await replay(fixture('text.sse'))).toEqual([
      { type: 'start', id: 'chatcmpl-9xQ2', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'text-delta', text: 'Paris is' },
      { type: 'text-delta', text: ' the capital.' },
      { type: 'finish', reason: 'stop', providerReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 21, outputTokens: 5, cacheReadTokens: 0, reasoningTokens: 0 } },
    ]);
  });

  it('gives the same events whatever the chunking, CRLF included', async () => {
    const expected = await replay(fixture('parallel-tools.sse'));
    expect(await replay(fixture('parallel-tools.sse'), 1)).toEqual(expected);
    expect(await replay(fixture('parallel-tools.sse').replace(/\n/g, '\r\n'), 7)).toEqual(expected);
  });

  it('parallel tool calls: fragments by index, ends at finish, cached tokens', async () => {
    expect(await replay(fixture('parallel-tools.sse'))).toEqual([
      { type: 'start', id: 'chatcmpl-7Tt', model: 'gpt-4.1' },
      { type: 'tool-call-start', index: 0, id: 'call_a1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":"Os' },
      { type: 'tool-call-delta', index: 0, arguments: 'lo"}' },
      { type: 'tool-call-start', index: 1, id: 'call_b2', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, arguments: '{"tz":"CET"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', reason: 'tool-calls', providerReason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 80, outputTokens: 30, cacheReadTokens: 64 } },
    ]);
  });

  it('a tool call without arguments: start and end, no empty delta', async () => {
    expect(await replay(fixture('no-arg-tool.sse'))).toEqual([
      { type: 'start', id: 'chatcmpl-na', model: 'gpt-4.1' },
      { type: 'tool-call-start', index: 0, id: 'call_now', name: 'get_time' },
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'tool-calls', providerReason: 'tool_calls' },
    ]);
  });

  it('reasoning_content (DeepSeek): reasoning deltas, usage on the finish chunk', async () => {
    expect(await replay(fixture('reasoning.sse'))).toEqual([
      { type: 'start', id: 'ds-1', model: 'deepseek-reasoner' },
      { type: 'reasoning-delta', text: 'The user wants' },
      { type: 'reasoning-delta', text: ' a number.' },
      { type: 'text-delta', text: '42' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 40, cacheReadTokens: 0, reasoningTokens: 38 } },
      { type: 'finish', reason: 'stop', providerReason: 'stop' },
    ]);
  });

  it('delta.reasoning (OpenRouter, vLLM) is reasoning too', async () => {
    const text = 'data: {"id":"r","choices":[{"index":0,"delta":{"reasoning":"hmm"}}]}\n\ndata: {"id":"r","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}\n\n';
    expect(await replay(text)).toEqual([
      { type: 'start', id: 'r' },
      { type: 'reasoning-delta', text: 'hmm' },
      { type: 'text-delta', text: 'ok' },
      { type: 'finish', reason: 'stop', providerReason: 'stop' },
    ]);
  });

  it('refusal and content filter: the refusal is text, the finish is content-filter', async () => {
    expect(await replay(fixture('content-filter.sse'))).toEqual([
      { type: 'start', id: 'chatcmpl-cf', model: 'gpt-4o' },
      { type: 'text-delta', text: "I can't help with that." },
      { type: 'finish', reason: 'content-filter', providerReason: 'content_filter' },
    ]);
  });

  it('a mid-stream error yields one error event and stops reading', async () => {
    expect(await replay(fixture('mid-stream-error.sse'))).toEqual([
      { type: 'start', id: 'chatcmpl-err', model: 'gpt-4o' },
      { type: 'text-delta', text: 'Once upon' },
      {
        type: 'error',
        failure: { kind: 'server', message: 'The server had an error while processing your request. Sorry about that!', providerCode: 'server_error' },
      },
    ]);
  });

  it("OpenRouter's in-stream error (numeric code, finish_reason error) is classified by its code", async () => {
    expect(await replay(fixture('openrouter-error.sse'))).toEqual([
      { type: 'start', id: 'gen-or-2', model: 'anthropic/claude-sonnet-4' },
      { type: 'text-delta', text: 'Partial' },
      { type: 'error', failure: { kind: 'server', message: 'Provider returned error' } },
    ]);
  });

  it('a vLLM-style top-level error object; an `error: null` field is not an error', async () => {
    const vllm = 'data: {"object":"error","message":"This model\'s maximum context length is 4096 tokens.","type":"BadRequestError","param":null,"code":400}\n\n';
    expect(await replay(vllm)).toEqual([
      { type: 'error', failure: { kind: 'context-length', message: "This model's maximum context length is 4096 tokens.", providerCode: 'BadRequestError' } },
    ]);
    const quiet = 'data: {"id":"q","error":null,"choices":[{"index":0,"delta":{"content":"fine"},"finish_reason":"stop"}]}\n\n';
    expect((await replay(quiet)).map((e) => e.type)).toEqual(['start', 'text-delta', 'finish']);
  });

  it('an in-stream rate limit error is a rate-limit failure', async () => {
    const text = 'data: {"error":{"message":"Rate limit reached","type":"rate_limit_exceeded","code":"rate_limit_exceeded"}}\n\n';
    expect(await replay(text)).toEqual([{ type: 'error', failure: { kind: 'rate-limit', message: 'Rate limit reached', providerCode: 'rate_limit_exceeded' } }]);
  });

  it('Azure: the empty first chunk (prompt_filter_results) is ignored, start comes from the real one', async () => {
    expect(await replay(fixture('azure-empty-first.sse'))).toEqual([
      { type: 'start', id: 'chatcmpl-az1', model: 'gpt-4o-2024-11-20' },
      { type: 'text-delta', text: 'Hello' },
      { type: 'finish', reason: 'stop', providerReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 1, cacheReadTokens: 0, reasoningTokens: 0 } },
    ]);
  });

  it('OpenRouter: comment lines skipped; a finish only once even with a later chunk', async () => {
    expect(await replay(fixture('openrouter-comments.sse'))).toEqual([
      { type: 'start', id: 'gen-or-1', model: 'openai/gpt-4o' },
      { type: 'text-delta', text: 'Hi' },
      { type: 'text-delta', text: ' there' },
      { type: 'finish', reason: 'stop', providerReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 8, outputTokens: 2 } },
    ]);
  });

  it('a tool index that starts at 1 and resent id/name: ordinal 0, one start', async () => {
    expect(await replay(fixture('index-one.sse'))).toEqual([
      { type: 'start', id: 'chatcmpl-i1', model: 'claude-via-compat' },
      { type: 'text-delta', text: 'Checking.' },
      { type: 'tool-call-start', index: 0, id: 'toolu_01', name: 'search' },
      { type: 'tool-call-delta', index: 0, arguments: '{"q":' },
      { type: 'tool-call-delta', index: 0, arguments: '"oslo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'tool-calls', providerReason: 'tool_calls' },
    ]);
  });

  it('Mistral: whole calls in one fragment, finish and usage on the same chunk', async () => {
    expect(await replay(fixture('mistral-whole-calls.sse'))).toEqual([
      { type: 'start', id: 'cmpl-m1', model: 'mistral-large-latest' },
      { type: 'tool-call-start', index: 0, id: 'D681PevKs', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city": "Oslo"}' },
      { type: 'tool-call-start', index: 1, id: 'x7Hq2LmNp', name: 'get_weather' },
      { type: 'tool-call-delta', index: 1, arguments: '{"city": "Bergen"}' },
      { type: 'usage', usage: { inputTokens: 70, outputTokens: 22 } },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', reason: 'tool-calls', providerReason: 'tool_calls' },
    ]);
  });

  it('Groq: usage from x_groq.usage on the last chunk; length', async () => {
    expect(await replay(fixture('groq-usage.sse'))).toEqual([
      { type: 'start', id: 'chatcmpl-g1', model: 'llama-3.3-70b-versatile' },
      { type: 'text-delta', text: 'Hey' },
      { type: 'usage', usage: { inputTokens: 15, outputTokens: 1 } },
      { type: 'finish', reason: 'length', providerReason: 'length' },
    ]);
  });

  it('skips a malformed JSON line and keeps going; nothing after [DONE] is read', async () => {
    const text =
      'data: {"id":"m","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n' +
      'data: {"id":"m","choices":[{"index":0,"delta":{"content":\n\n' +
      'data: {"id":"m","choices":[{"index":0,"delta":{"content":"b"},"finish_reason":"stop"}]}\n\n' +
      'data: [DONE]\n\n' +
      'data: {"id":"m","choices":[{"index":0,"delta":{"content":"late"}}]}\n\n';
    expect(await replay(text)).toEqual([
      { type: 'start', id: 'm' },
      { type: 'text-delta', text: 'a' },
      { type: 'text-delta', text: 'b' },
      { type: 'finish', reason: 'stop', providerReason: 'stop' },
    ]);
  });

  it('a stream that ends without [DONE] after a finish just ends; without a finish, yields no finish', async () => {
    const finished = 'data: {"id":"e","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}\n\n';
    expect((await replay(finished)).at(-1)).toEqual({ type: 'finish', reason: 'stop', providerReason: 'stop' });
    const cut = 'data: {"id":"e","choices":[{"index":0,"delta":{"content":"x"}}]}\n\n';
    expect((await replay(cut)).map((e) => e.type)).toEqual(['start', 'text-delta']);
  });

  it('a tool call without id gets a generated one; a stop after tool calls means tool-calls', async () => {
    const text =
      'data: {"id":"o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"ping","arguments":"{}"}}]}}]}\n\n' +
      'data: {"id":"o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
    expect(await replay(text)).toEqual([
      { type: 'start', id: 'o' },
      { type: 'tool-call-start', index: 0, id: 'call_gen0', name: 'ping' },
      { type: 'tool-call-delta', index: 0, arguments: '{}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'tool-calls', providerReason: 'stop' },
    ]);
  });

  it("DeepSeek's insufficient_system_resource finish is a server error, not a finish", async () => {
    const text = 'data: {"id":"d","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"insufficient_system_resource"}]}\n\n';
    expect((await replay(text)).at(-1)).toEqual({
      type: 'error',
      failure: { kind: 'server', message: 'the provider stopped with finish_reason "insufficient_system_resource"', providerCode: 'insufficient_system_resource' },
    });
  });

  it('a cut connection makes the iteration throw', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('data: {"id":"c","choices":[{"index":0,"delta":{"content":"x"}}]}\n\n');
      throw new Error('socket hang up');
    }
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of parseOpenAiStream(broken())) seen.push(event.type);
      })(),
    ).rejects.toThrow('socket hang up');
    expect(seen).toEqual(['start', 'text-delta']);
  });
});
