import { performance } from 'node:perf_hooks';
import { anthropicIngress, anthropicProvider } from '../../functions/dialects/anthropic/index.ts';
import { openaiIngress, openaiProvider } from '../../functions/dialects/openai/index.ts';
import type { ProviderDialect, IngressDialect } from '../../functions/ir/dialect.ts';
import type { ChatRequest } from '../../functions/ir/request.ts';

/**
 * Microseconds per streamed event to translate a provider stream into the other dialect's client
 * stream: parse the provider's SSE into IR events, encode them as the client's SSE. In-process, no
 * sockets: the provider's response is served from memory.
 */
const EVENTS = 2_000;

function anthropicStream(): string {
  const frames = [
    `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":10,"output_tokens":1}}}\n\n`,
    `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`,
  ];
  for (let i = 0; i < EVENTS; i++) frames.push(`event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"token${i} "}}\n\n`);
  frames.push(
    `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`,
    `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${EVENTS}}}\n\n`,
    `event: message_stop\ndata: {"type":"message_stop"}\n\n`,
  );
  return frames.join('');
}

function openaiStream(): string {
  const base = '"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767000000,"model":"gpt-4o"';
  const frames = [`data: {${base},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`];
  for (let i = 0; i < EVENTS; i++) frames.push(`data: {${base},"choices":[{"index":0,"delta":{"content":"token${i} "},"finish_reason":null}]}\n\n`);
  frames.push(`data: {${base},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`, 'data: [DONE]\n\n');
  return frames.join('');
}

async function measure(provider: ProviderDialect, kind: string, body: string, ingress: IngressDialect): Promise<number> {
  const request: ChatRequest = { model: 'alias', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: true, maxTokens: 100 };
  const bytes = new TextEncoder().encode(body);
  const run = async () => {
    const io = {
      fetch: async () => new Response(bytes, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
      signal: new AbortController().signal,
    };
    const opened = await provider.open(request, { provider: { name: kind, kind, baseUrl: 'http://127.0.0.1:9', apiKey: 'k' }, model: 'm', forwardHeaders: {} }, io);
    if (!opened.ok) throw new Error(opened.failure.message);
    const encoder = ingress.createEncoder({ id: 'id', created: 0, model: 'm', request });
    let events = 0;
    let size = 0;
    for await (const event of opened.events) {
      size += encoder.event(event).length;
      events++;
    }
    size += encoder.end().length;
    return { events, size };
  };
  for (let i = 0; i < 5; i++) await run();
  const rounds: number[] = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    const { events } = await run();
    rounds.push(((performance.now() - start) * 1000) / events);
  }
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(rounds.length / 2)]!;
}

export async function translationCost(): Promise<{ anthropicToOpenai: number; openaiToAnthropic: number }> {
  return {
    anthropicToOpenai: await measure(anthropicProvider, 'anthropic', anthropicStream(), openaiIngress),
    openaiToAnthropic: await measure(openaiProvider, 'openai', openaiStream(), anthropicIngress),
  };
}
