import OpenAI from 'openai';
import { envSecrets } from '../../functions/adapters/env-secrets.ts';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';
import { validateConfig } from '../../functions/config/load.ts';
import type { Config } from '../../functions/config/schema.ts';
import { MemoryBreakerStore } from '../../functions/core/breaker/memory-store.ts';
import type { RequestRecord } from '../../functions/core/ports.ts';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../functions/local/server.ts';
import { ManualClock } from './manual-clock.ts';

export { ManualClock };

export interface Harness {
  proxy: LocalServer;
  openai: OpenAI;
  records: RequestRecord[];
  clock: ManualClock;
  telemetry: ConsoleTelemetry;
  close(): Promise<void>;
}

/** Starts the local proxy on loopback over a config document (validated like `npm start` does). */
export async function startProxy(
  document: unknown,
  options: { random?: () => number; server?: Pick<LocalServerOptions, 'authorize' | 'adminKey' | 'allowedHosts' | 'limits' | 'host' | 'spend'>; clock?: ManualClock } = {},
): Promise<Harness> {
  const result = validateConfig(document);
  if (!result.ok) throw new Error(`test config invalid: ${result.errors.join('; ')}`);
  const config: Config = result.config;
  const records: RequestRecord[] = [];
  const telemetry = new ConsoleTelemetry({ out: () => {}, err: () => {} });
  const originalRequest = telemetry.request.bind(telemetry);
  telemetry.request = (record) => {
    records.push(structuredClone(record));
    originalRequest(record);
  };
  const clock = options.clock ?? new ManualClock();
  const proxy = await startLocalServer({
    config,
    secrets: envSecrets({ TEST_KEY: 'sk-test-not-a-real-key' }),
    telemetry,
    clock,
    breakers: new MemoryBreakerStore({ clock, random: () => 0.5 }),
    random: options.random ?? (() => 0.5),
    ...options.server,
  });
  const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'local', maxRetries: 0 });
  return { proxy, openai, records, clock, telemetry, close: () => proxy.close() };
}

/** Waits until the telemetry record of the n-th request has been written. */
export async function recordOf(harness: Harness, n: number): Promise<RequestRecord> {
  for (let i = 0; i < 200; i++) {
    const record = harness.records[n];
    if (record) return record;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no record for request ${n}`);
}

/** A streamed Chat Completions call through the official SDK, read to its end: text, finish, usage, headers. */
export async function streamChat(harness: Harness, messages: { role: 'user'; content: string }[], model = 'default-model') {
  const { data, response } = await harness.openai.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } }).withResponse();
  let text = '';
  let finish: string | null = null;
  let usage: unknown;
  for await (const chunk of data) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, finish, usage, headers: response.headers };
}
