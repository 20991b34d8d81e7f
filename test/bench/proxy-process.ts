import { validateConfig } from '../../functions/config/load.ts';
import { startLocalServer } from '../../functions/local/server.ts';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';
import type { BreakerStore } from '../../functions/core/ports.ts';
import { answerProbes } from './child-probe.ts';

/**
 * Understudy under benchmark, in its own process. BENCH_STORE picks the breaker store: `memory`
 * (the default) or the URL of a DynamoDB-protocol endpoint (the bench's dynalite relay).
 */
const upstream = process.env.BENCH_UPSTREAM!;
process.env.BENCH_KEY ??= 'sk-bench-not-a-key';
const storeEndpoint = process.env.BENCH_STORE ?? 'memory';
const result = validateConfig({
  // First-party kinds: a Chat Completions, Responses or Messages client of the same API takes the
  // pass-through lane (the fake does not check keys).
  providers: {
    bench: { kind: 'openai', baseUrl: `${upstream}/v1`, apiKey: 'env:BENCH_KEY' },
    failing: { kind: 'openai', baseUrl: `${upstream}/fail/v1`, apiKey: 'env:BENCH_KEY' },
    slow: { kind: 'openai', baseUrl: `${upstream}/slow/v1`, apiKey: 'env:BENCH_KEY' },
    cutting: { kind: 'openai', baseUrl: `${upstream}/cut/v1`, apiKey: 'env:BENCH_KEY' },
    late: { kind: 'openai', baseUrl: `${upstream}/late/v1`, apiKey: 'env:BENCH_KEY' },
    // The same fake provider through its Responses API.
    responses: { kind: 'openai', baseUrl: `${upstream}/v1`, apiKey: 'env:BENCH_KEY', apis: ['responses'] },
    // The same fake provider through the Messages API (`/v1/messages`).
    anthropic: { kind: 'anthropic', baseUrl: upstream, apiKey: 'env:BENCH_KEY' },
  },
  aliases: {
    direct: { targets: [{ provider: 'bench', model: 'bench-model' }] },
    failover: { targets: [{ provider: 'failing', model: 'bench-model' }, { provider: 'bench', model: 'bench-model' }] },
    slow: { targets: [{ provider: 'slow', model: 'bench-model' }] },
    // A stream cut halfway, carried on by a continuation on the same target.
    continued: { targets: [{ provider: 'cutting', model: 'bench-model' }] },
    // A primary slow to its first token, alone and hedged against a fast second target.
    late: { targets: [{ provider: 'late', model: 'bench-model' }] },
    hedged: { targets: [{ provider: 'late', model: 'bench-model' }, { provider: 'bench', model: 'bench-model' }], policy: { hedgeAfterMs: 5, hedgeMaxShare: 1 } },
    'responses-direct': { targets: [{ provider: 'responses', model: 'bench-model' }] },
    'messages-direct': { targets: [{ provider: 'anthropic', model: 'bench-model' }] },
    // The same requests with the pass-through lane off: every answer parsed and re-encoded.
    translated: { targets: [{ provider: 'bench', model: 'bench-model' }], policy: { passThrough: false } },
    'responses-translated': { targets: [{ provider: 'responses', model: 'bench-model' }], policy: { passThrough: false } },
    'messages-translated': { targets: [{ provider: 'anthropic', model: 'bench-model' }], policy: { passThrough: false } },
    // Every request also goes to a shadow (the same fake provider): what does the client pay for it?
    shadowed: { targets: [{ provider: 'bench', model: 'bench-model' }], shadow: { target: { provider: 'bench', model: 'shadow-model' }, sampleRate: 1 } },
  },
  // A breaker that never opens: every failover request really pays the 503 first.
  policy: { maxAttempts: 2, breaker: { consecutiveFailures: 1_000_000, minCalls: 1_000_000 } },
});
if (!result.ok) throw new Error(result.errors.join('; '));
const telemetry = new ConsoleTelemetry({ quiet: true });

async function breakers(): Promise<BreakerStore | undefined> {
  if (storeEndpoint === 'memory') return undefined;
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { createBreakerTable } = await import('../../functions/adapters/create-breaker-table.ts');
  const { DynamoBreakerStore } = await import('../../functions/adapters/dynamo-breaker-store.ts');
  const client = new DynamoDBClient({ endpoint: storeEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 2 });
  const table = `bench-${process.pid}`;
  await createBreakerTable(client, table);
  return new DynamoBreakerStore({ client, table, clock: { now: () => Date.now() }, telemetry });
}

const store = await breakers();
const local = await startLocalServer({ config: result.config, telemetry, random: () => 1, ...(store ? { breakers: store } : {}) });
process.send?.({ port: Number(new URL(local.url).port) });
answerProbes();
