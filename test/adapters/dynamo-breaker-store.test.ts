import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { DynamoBreakerStore } from '../../functions/adapters/dynamo-breaker-store.ts';
import { DEFAULT_POLICY } from '../../functions/config/defaults.ts';
import { METRICS } from '../../functions/config/metric-names.ts';
import type { BreakerSettings } from '../../functions/config/schema.ts';
import { BreakerStoreUnavailableError } from '../../functions/core/breaker/shared-store.ts';
import { startDelayRelay } from '../support/delay-relay.ts';
import { startDynalite } from '../support/dynalite.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

const settings: BreakerSettings = { ...DEFAULT_POLICY.breaker };
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let tables = 0;
const servers: Server[] = [];
const relays: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  for (const relay of relays) await relay.close();
  await dynalite.close();
});

/** A loopback server in front of dynalite that counts operations, or misbehaves on demand. */
async function frontOf(target: string, mode: { hang?: boolean; throttle?: boolean } = {}) {
  const counts = new Map<string, number>();
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '?';
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    if (mode.hang) return;
    if (mode.throttle) {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' }));
      return;
    }
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts };
}

async function table(): Promise<string> {
  const name = `breakers-${++tables}`;
  await createBreakerTable(new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials }), name);
  return name;
}

function store(endpoint: string, name: string, clock: ManualClock, extra: Partial<ConstructorParameters<typeof DynamoBreakerStore>[0]> = {}) {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  return new DynamoBreakerStore({ client, table: name, clock, random: () => 0.5, timeoutMs: 2_000, ...extra });
}

describe('DynamoBreakerStore shared by instances', () => {
  it('failures seen by one instance open the breaker the other obeys after its next background refresh', async () => {
    const name = await table();
    const clock = new ManualClock({ frozen: true });
    const a = store(dynalite.endpoint, name, clock);
    const b = store(dynalite.endpoint, name, clock);
    expect((await b.admit('p/m', settings, 30_000)).decision).toBe('allow');
    for (let i = 0; i < settings.consecutiveFailures; i++) await a.report('p/m', settings, await a.admit('p/m', settings, 30_000), { kind: 'failure' });
    await a.flush();
    clock.advance(1_201); // past B's refresh period (1 s ± 20 %)
    // B decides on its view at once and refreshes it beside the request…
    expect((await b.admit('p/m', settings, 30_000)).decision).toBe('allow');
    await b.flush();
    // …so the next request sees the fleet's open breaker.
    expect(await b.admit('p/m', settings, 30_000)).toMatchObject({ decision: 'skip', reason: 'open' });
  });

  it('a forced state set through one instance is obeyed by another after its next refresh', async () => {
    const name = await table();
    const clock = new ManualClock({ frozen: true });
    const a = store(dynalite.endpoint, name, clock);
    const b = store(dynalite.endpoint, name, clock);
    expect((await b.admit('p/m', settings, 30_000)).decision).toBe('allow');
    await a.force('p/m', 'open');
    clock.advance(1_201);
    await b.admit('p/m', settings, 30_000);
    await b.flush();
    expect(await b.admit('p/m', settings, 30_000)).toMatchObject({ decision: 'skip', reason: 'forced-open' });
  });

  it('writes one aggregated item for 100 successes, and reads once per refresh period', async () => {
    const name = await table();
    const front = await frontOf(dynalite.endpoint);
    const clock = new ManualClock({ frozen: true });
    const s = store(front.endpoint, name, clock);
    for (let i = 0; i < 100; i++) {
      await s.report('p/m', settings, await s.admit('p/m', settings, 30_000), { kind: 'success' });
      if (i % 10 === 9) clock.advance(100);
    }
    await s.flush();
    // Successes alone wait for flushEveryMs: nothing written yet.
    expect(front.counts.get('UpdateItem') ?? 0).toBe(0);
    const [snapshot] = await s.list();
    expect(snapshot?.windowCalls).toBe(100);
    expect(front.counts.get('UpdateItem')).toBe(1);
    // One read at the start, one after 1 s of clock, one for list().
    expect(front.counts.get('GetItem')).toBeLessThanOrEqual(3);
  });

  it('ends 100 concurrent failures from two instances on a slow store in the right state', async () => {
    const name = await table();
    const slow = await startDelayRelay(dynalite.endpoint, 20);
    relays.push(slow);
    const clock = new ManualClock({ frozen: true });
    // A store that answers 20 ms late, where per-outcome writes awaited by each request once queued
    // up and the table ended with no state at all. The bound is generous: this is about lost
    // updates, and a shared 2-core machine must not turn it into a test of the scheduler.
    const telemetry = new RecordingTelemetry();
    const a = store(slow.endpoint, name, clock, { timeoutMs: 2_000, telemetry });
    const b = store(slow.endpoint, name, clock, { timeoutMs: 2_000, telemetry });
    // Connections and credentials set up before the burst, as on a warm instance.
    for (const s of [a, b]) s.prefetch(['p/warm-up']);
    await Promise.all([a.flush(), b.flush()]);
    const burst = async (target: string, counting: BreakerSettings) => {
      const both = await Promise.all([a, b].map((s) => Promise.all(Array.from({ length: 50 }, () => s.admit(target, counting, 30_000)))));
      await Promise.all([a, b].flatMap((s, i) => both[i]!.map((admission) => s.report(target, counting, admission, { kind: 'failure' }))));
      await Promise.all([a.flush(5_000, true), b.flush(5_000, true)]);
    };

    const counting = { ...settings, consecutiveFailures: 1000, minCalls: 1000 };
    await burst('p/counting', counting);
    expect(telemetry.count(METRICS.breakerStoreDegraded)).toBe(0);
    const counted = (await a.list()).find((x) => x.target === 'p/counting');
    expect(counted).toMatchObject({ state: 'closed', windowCalls: 100, windowFailures: 100, consecutiveFailures: 100 });

    const tripping = { ...settings, consecutiveFailures: 1000, minCalls: 10 };
    await burst('p/tripping', tripping);
    for (const s of [a, b]) {
      const snapshot = (await s.list()).find((x) => x.target === 'p/tripping');
      expect(snapshot).toMatchObject({ state: 'open', generation: 1, consecutiveOpens: 1 });
      expect(await s.admit('p/tripping', tripping, 30_000)).toMatchObject({ decision: 'skip', reason: 'open' });
    }
  });
});

describe('DynamoBreakerStore when the table cannot answer', () => {
  it('never makes a request wait for a store that hangs: admission and outcomes return at once', async () => {
    const front = await frontOf(dynalite.endpoint, { hang: true });
    // A bound far longer than any test: were admit or report waiting for the store, this would time out.
    const s = store(front.endpoint, 'any-table', new ManualClock(), { timeoutMs: 600_000 });
    for (let i = 0; i < 3; i++) {
      const admission = await s.admit('p/m', settings, 30_000);
      expect(admission.decision).toBe('allow');
      await s.report('p/m', settings, admission, { kind: 'failure' });
    }
  });

  it('decides on its own view when the table hangs past the bound, and says so in a metric', async () => {
    const front = await frontOf(dynalite.endpoint, { hang: true });
    const telemetry = new RecordingTelemetry();
    const s = store(front.endpoint, 'any-table', new ManualClock({ frozen: true }), { timeoutMs: 50, telemetry });
    for (let i = 0; i < settings.consecutiveFailures; i++) await s.report('p/m', settings, await s.admit('p/m', settings, 30_000), { kind: 'failure' });
    await s.flush(2_000, true);
    expect(telemetry.count(METRICS.breakerStoreDegraded)).toBe(1);
    expect(await s.admit('p/m', settings, 30_000)).toMatchObject({ decision: 'skip', reason: 'open' });
  });

  it('decides on its own view when throttled, and the local breaker still opens', async () => {
    const front = await frontOf(dynalite.endpoint, { throttle: true });
    const telemetry = new RecordingTelemetry();
    const s = store(front.endpoint, 'any-table', new ManualClock({ frozen: true }), { telemetry });
    for (let i = 0; i < settings.consecutiveFailures; i++) await s.report('p/m', settings, await s.admit('p/m', settings, 30_000), { kind: 'failure' });
    await s.flush(2_000, true);
    expect(await s.admit('p/m', settings, 30_000)).toMatchObject({ decision: 'skip', reason: 'open' });
    expect(telemetry.count(METRICS.breakerStoreDegraded)).toBe(1);
    expect(telemetry.logs.some((l) => String(l.fields?.error).includes('Throttling'))).toBe(true);
  });

  it('tells the operator when a forced state did not reach the table', async () => {
    const front = await frontOf(dynalite.endpoint, { throttle: true });
    const s = store(front.endpoint, 'any-table', new ManualClock({ frozen: true }));
    await expect(s.force('p/m', 'open')).rejects.toThrow(BreakerStoreUnavailableError);
    // This instance obeys it all the same.
    expect(await s.admit('p/m', settings, 30_000)).toMatchObject({ decision: 'skip', reason: 'forced-open' });
  });
});
