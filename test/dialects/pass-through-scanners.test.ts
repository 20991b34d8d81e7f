import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { messagesPassThroughBody, scanMessagesEvent } from '../../functions/dialects/anthropic/pass-through.ts';
import { parseAnthropicStream } from '../../functions/dialects/anthropic/parse-stream.ts';
import { chatCompletionsPassThroughBody, scanChatCompletionsEvent } from '../../functions/dialects/openai/pass-through.ts';
import { parseOpenAiStream } from '../../functions/dialects/openai/parse-stream.ts';
import { parseSse } from '../../functions/dialects/shared/sse.ts';
import { isContentEvent, type FinishReason, type StreamEvent } from '../../functions/ir/events.ts';
import type { FailureKind } from '../../functions/ir/failure.ts';
import type { LaneScanner } from '../../functions/ir/lane.ts';

/**
 * The pass-through lane's scanners read only what the attempt loop needs. On every recorded stream
 * they must agree with the full IR parser of the same API: whether content came, the finish
 * reason, the in-stream failure's kind, the output tokens.
 */

interface Verdict {
  content: boolean;
  finish?: FinishReason;
  failure?: FailureKind;
  outputTokens?: number;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function scanned(bytes: Uint8Array, scan: LaneScanner): Promise<Verdict> {
  const verdict: Verdict = { content: false };
  for await (const { event, data } of parseSse(once(bytes))) {
    const signal = scan(event, data);
    if (!signal) continue;
    if (signal.type === 'content' || (signal.type === 'terminal' && signal.content)) verdict.content = true;
    if (signal.type === 'failure') {
      verdict.failure = signal.failure.kind;
      break;
    }
    if (signal.type === 'terminal') verdict.finish = signal.reason;
    if ((signal.type === 'terminal' || signal.type === 'usage') && signal.usage) verdict.outputTokens = signal.usage.outputTokens;
  }
  return verdict;
}

async function parsed(events: AsyncIterable<StreamEvent>): Promise<Verdict> {
  const verdict: Verdict = { content: false };
  try {
    for await (const event of events) {
      if (isContentEvent(event)) verdict.content = true;
      if (event.type === 'finish') verdict.finish = event.reason;
      if (event.type === 'usage') verdict.outputTokens = event.usage.outputTokens;
      if (event.type === 'error') {
        verdict.failure = event.failure.kind;
        break;
      }
    }
  } catch {
    verdict.failure = 'stream-broken';
  }
  return verdict;
}

const suites: { api: string; dir: URL; scan: LaneScanner; parse: (bytes: Uint8Array) => AsyncIterable<StreamEvent> }[] = [
  { api: 'Chat Completions', dir: new URL('./openai/fixtures/', import.meta.url), scan: scanChatCompletionsEvent, parse: (b) => parseOpenAiStream(once(b)) },
  { api: 'Messages', dir: new URL('./anthropic/fixtures/', import.meta.url), scan: scanMessagesEvent, parse: (b) => parseAnthropicStream(once(b)) },
];

for (const suite of suites) {
  describe(`the ${suite.api} scanner agrees with the IR parser`, () => {
    for (const name of readdirSync(suite.dir).filter((f) => f.endsWith('.sse') && f !== 'malformed.sse')) {
      it(name, async () => {
        const bytes = readFileSync(new URL(name, suite.dir));
        const fromIr = await parsed(suite.parse(bytes));
        const fromScan = await scanned(bytes, suite.scan);
        expect(fromScan.content).toBe(fromIr.content);
        expect(fromScan.failure).toBe(fromIr.failure);
        if (!fromIr.failure) expect(fromScan.finish).toBe(fromIr.finish);
        if (fromIr.outputTokens !== undefined && !fromIr.failure) expect(fromScan.outputTokens).toBe(fromIr.outputTokens);
      });
    }
  });
}

describe('the proxy’s own body edits on the pass-through lane', () => {
  const body = {
    model: 'alias',
    messages: [{ role: 'developer', content: 'be brief' }],
    stream: true,
    stream_options: { include_obfuscation: false },
    prediction: { type: 'content', content: 'x' },
    some_future_field: { nested: [1, 2] },
  };

  it('Chat Completions: the model, and include_usage on a stream; every other field as sent', () => {
    const out = chatCompletionsPassThroughBody(body, { model: 'gpt-4.1' });
    expect(out).toEqual({ ...body, model: 'gpt-4.1', stream_options: { include_obfuscation: false, include_usage: true } });
    expect(body.model).toBe('alias');
  });

  it('Messages: the model only', () => {
    const messages = {
      model: 'alias',
      max_tokens: 100,
      system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'd' }, citations: { enabled: true } }] }],
      tools: [{ name: 't', input_schema: { type: 'object' }, defer_loading: true, eager_input_streaming: true }],
      future: true,
    };
    expect(messagesPassThroughBody(messages, { model: 'claude-sonnet-4-5' })).toEqual({ ...messages, model: 'claude-sonnet-4-5' });
  });
});
