import { readFileSync } from 'node:fs';
import { Stream as AnthropicStream } from '@anthropic-ai/sdk/core/streaming';
import { BetaMessageStream } from '@anthropic-ai/sdk/lib/BetaMessageStream';
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import { Stream as OpenAIStream } from 'openai/core/streaming';
import { ResponseStream } from 'openai/lib/responses/ResponseStream';
import type { Response as OpenAIResponse } from 'openai/resources/responses/responses';
import { startProxy, type Harness } from '../support/proxy-harness.ts';
import { onCleanup, useCleanups } from '../support/cleanups.ts';

/**
 * Replays the requests the real coding-agent CLIs sent (test/fixtures/clients, captured from
 * the CLIs themselves) through the proxy, and reads the answer back with the official SDKs'
 * stream accumulators: a malformed or truncated stream fails there, as it would in the client.
 */

export interface Exchange {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  answered: string;
}

export interface Capture {
  client: 'claude-code' | 'codex';
  scenario: string;
  exchanges: Exchange[];
  refused: string[];
}

useCleanups();

/** One committed capture, e.g. `claude-code-tool`. */
export function capture(name: string): Capture {
  return JSON.parse(readFileSync(new URL(`../fixtures/clients/${name}.json`, import.meta.url), 'utf8')) as Capture;
}

/** Connection-level headers the recorder saw that fetch sets itself. */
const FETCH_OWNED = new Set(['accept-encoding']);

/**
 * Sends one recorded request to the proxy as the CLI sent it: method, path, query, headers and
 * body; the redacted credential becomes the proxy's client key in the same header.
 */
export async function replay(h: Harness, exchange: Exchange): Promise<Response> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(exchange.headers)) {
    if (FETCH_OWNED.has(name)) continue;
    headers[name] = value === '<redacted>' ? (name === 'authorization' ? 'Bearer local' : 'local') : value;
  }
  const query = new URLSearchParams(exchange.query).toString();
  return fetch(`${h.proxy.url}${exchange.path}${query ? `?${query}` : ''}`, { method: exchange.method, headers, body: JSON.stringify(exchange.body) });
}

/** The answer as the Anthropic SDK (Claude Code's own) accumulates it from the SSE bytes. */
export async function anthropicAnswer(response: Response): Promise<BetaMessage> {
  const events = AnthropicStream.fromSSEResponse(response, new AbortController());
  return BetaMessageStream.fromReadableStream(events.toReadableStream()).finalMessage();
}

/** The answer as the OpenAI SDK accumulates a Responses stream (it needs `response.completed`). */
export async function responsesAnswer(response: Response): Promise<{ final: OpenAIResponse; types: string[] }> {
  const types: string[] = [];
  const events = OpenAIStream.fromSSEResponse<{ type: string }>(response, new AbortController());
  const stream = ResponseStream.fromReadableStream(events.toReadableStream());
  stream.on('event', (event) => types.push(event.type));
  return { final: await stream.finalResponse(), types };
}

/** Every text piece of an Anthropic message's content. */
export function textOf(message: BetaMessage): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

export interface ReplayTarget {
  kind: 'openai' | 'openai-compatible' | 'anthropic';
  /** The fake's address: the host root (anthropic) or the `/v1` base (openai kinds). */
  url: string;
  model: string;
  /** OpenAI kinds: the OpenAI APIs the provider serves (config `apis`). */
  apis?: ('chat' | 'responses')[];
}

/**
 * The proxy with one alias named as the CLI's model (so the recorded body is sent unchanged),
 * served by `targets` in order as p1, p2, ….
 */
export async function proxyForModel(alias: string, targets: ReplayTarget[]): Promise<Harness> {
  const harness = await startProxy({
    providers: Object.fromEntries(targets.map((t, i) => [`p${i + 1}`, { kind: t.kind, baseUrl: t.url, apiKey: 'env:TEST_KEY', ...(t.apis ? { apis: t.apis } : {}) }])),
    aliases: { [alias]: { targets: targets.map((t, i) => ({ provider: `p${i + 1}`, model: t.model })) } },
    policy: { headerTimeoutMs: 2_000, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 2_000, backoffBaseMs: 1, backoffMaxMs: 2 },
  });
  onCleanup(() => harness.close());
  return harness;
}
