import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll } from 'vitest';
import { startFakeBedrock, type FakeBedrock, type Frame, type Reply, type SeenBedrockRequest } from '../dialects/bedrock/fake-bedrock.ts';
import { onCleanup } from '../support/cleanups.ts';
import type { Behavior } from '../support/fake-provider.ts';
import { startProxy, type Harness } from '../support/proxy-harness.ts';

/**
 * Shared plumbing of the end-to-end translation tests: fake upstreams of every dialect on
 * loopback, the proxy in front of them, and the official SDKs as callers.
 */

export { fakeHttp, useCleanups } from '../support/cleanups.ts';

/** The raw text of a recorded SSE fixture of a dialect's unit tests (served as one chunk). */
export function fixture(dialect: 'anthropic' | 'gemini' | 'openai' | 'openai-responses', name: string): string {
  return readFileSync(new URL(`../dialects/${dialect}/fixtures/${name}.sse`, import.meta.url), 'utf8');
}

/** An SSE reply made of a fixture file. */
export function sseFixture(dialect: 'anthropic' | 'gemini' | 'openai' | 'openai-responses', name: string): Behavior {
  return { kind: 'sse', frames: [fixture(dialect, name)] };
}

/** A fake Bedrock runtime (HTTP/2, binary event stream) closed after the test. */
export async function fakeBedrock(script: (request: SeenBedrockRequest, index: number) => Reply): Promise<FakeBedrock> {
  const bedrock = await startFakeBedrock(script);
  onCleanup(() => bedrock.close());
  return bedrock;
}

/**
 * Fake AWS credentials for the whole file, so the real SDK signs through its default chain;
 * nothing leaves 127.0.0.1. Restores the environment afterwards.
 */
export function useFakeAwsCredentials(): void {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [key, value] of Object.entries({ AWS_ACCESS_KEY_ID: 'AKIDFAKEFAKEFAKE', AWS_SECRET_ACCESS_KEY: 'fake-secret', AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined })) {
      saved[key] = process.env[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}

export interface Target {
  kind: 'openai' | 'openai-compatible' | 'azure-openai' | 'openrouter' | 'groq' | 'mistral' | 'deepseek' | 'anthropic' | 'gemini' | 'bedrock';
  /** The fake's address: host root (anthropic, gemini, bedrock) or `/v1` base (openai kinds). */
  url: string;
  model: string;
  /** OpenAI kinds: which OpenAI APIs the provider serves (config `apis`). */
  apis?: ('chat' | 'responses')[];
  /** Embeddings aliases: the target's vector space label. */
  vectorSpace?: string;
}

/** The proxy over one alias `alias` whose targets are p1, p2, … in order. */
export async function proxyFor(targets: Target[], policy: Record<string, unknown> = {}, kind: 'chat' | 'embeddings' = 'chat'): Promise<Harness> {
  const providers: Record<string, unknown> = {};
  targets.forEach((t, i) => {
    const name = `p${i + 1}`;
    if (t.kind === 'bedrock') providers[name] = { kind: 'bedrock', region: 'us-east-1', baseUrl: t.url };
    else providers[name] = { kind: t.kind, baseUrl: t.url, apiKey: 'env:TEST_KEY', ...(t.apis ? { apis: t.apis } : {}) };
  });
  const harness = await startProxy({
    providers,
    aliases: { alias: { kind, targets: targets.map((t, i) => ({ provider: `p${i + 1}`, model: t.model, ...(t.vectorSpace ? { vectorSpace: t.vectorSpace } : {}) })) } },
    policy: { headerTimeoutMs: 2_000, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 2_000, backoffBaseMs: 1, backoffMaxMs: 2, ...policy },
  });
  onCleanup(() => harness.close());
  return harness;
}

/** The official Anthropic SDK pointed at the proxy (it calls `POST /v1/messages`). */
export function anthropicClient(harness: Harness): Anthropic {
  return new Anthropic({ baseURL: harness.proxy.url, apiKey: 'x', maxRetries: 0 });
}

/** Bedrock ConverseStream frames for "Checking." then a get_weather call for Oslo. */
export function bedrockToolFrames(): Frame[] {
  const ev = (event: string, payload: unknown): Frame => ({ event, payload });
  return [
    ev('messageStart', { role: 'assistant' }),
    ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Checking.' } }),
    ev('contentBlockStop', { contentBlockIndex: 0 }),
    ev('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_Xk2', name: 'get_weather' } } }),
    ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
    ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Oslo"}' } } }),
    ev('contentBlockStop', { contentBlockIndex: 1 }),
    ev('messageStop', { stopReason: 'tool_use' }),
    ev('metadata', { usage: { inputTokens: 410, outputTokens: 38, totalTokens: 448 }, metrics: { latencyMs: 12 } }),
  ];
}

/** The weather tool, as an OpenAI client declares it. */
export const openaiWeatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** The weather tool, as an Anthropic client declares it. */
export const anthropicWeatherTool = {
  name: 'get_weather',
  description: 'Current weather in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};
