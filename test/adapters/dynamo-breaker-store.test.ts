import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { DynamoBreakerStore } from '../../functions/adapters/dynamo-breaker-store.ts';
import { DEFAULT_POLICY } from '../../functions/config/defaults.ts';
import { METRICS } from '../../functions/config/metric-names.ts';
import { startDynalite } from '../support/dynalite.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

const settings = { ...DEFAULT_POLICY.breaker };
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let tables = 0;
const servers: Server[] = [];

beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
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
  it('failures seen by one instance open the breaker the other then obeys', async () => {
    const name = await table();
    const clock = new ManualClock({ frozen: true });
    const a = store(dynalite.endpoint, name, clock);
    const b = store(dynalite.endpoint, name, clock);
    expect((await b.admit('p/m', settings, 30_000)).decision).toBe('allow');
    for (let i = 0; i < settings.consecutiveFailures; i++) await a.report('p/m', settings, await a.admit('p/m', settings, 30_000), { kind: 'failure' });
    clock.advance(1_001); // past B's read cache
    expect(await b.admit('p/m', settings, 30_000)).toMatchObject({ decision: 'skip', reason: 'open' });
  });

  it('a forced state set through one instance is obeyed by another within its cache period', async () => {
    const name = await table();
    const clock = new ManualClock({ frozen: true });
    const a = store(dynalite.endpoint, name, clock);
    const b = store(dynalite.endpoint, name, clock);
    expect((await b.admit('p/m', settings, 30_000)).decision).toBe('allow');
    await a.force('p/m', 'open');
    clock.advance(1_001);
    expect(await b.admit('p/m', settings, 30_000)).toMatchObject({ decision: 'skip', reason: 'forced-open' });
  });

  it('writes far fewer items than requests on the healthy path, and flush() writes the rest', async () => {
    const name = await table();
    const front = await frontOf(dynalite.endpoint);
    const clock = new ManualClock({ frozen: true });
    const s = store(front.endpoint, name, clock);
    for (let i = 0; i < 100; i++) {
      await s.report('p/m', settings, await s.admit('p/m', settings, 30_000), { kind: 'success' });
      if (i % 10 === 9) clock.advance(100);
    }
    await s.flush();
    const writes = front.counts.get('UpdateItem') ?? 0;
    const reads = (front.counts.get('GetItem') ?? 0) + (front.counts.get('Query') ?? 0);
    expect(writes).toBeLessThanOrEqual(3);
    expect(reads).toBeLessThanOrEqual(2);
    const [snapshot] = await s.list();
    expect(snapshot?.windowCalls).toBe(100);
  });
});

describe('DynamoBreakerStore when the table cannot answer', () => {
  it('falls back to memory within its timeout when the table hangs, emits a metric, and never throws', async () => {
    const front = await frontOf(dynalite.endpoint, { hang: true });
    const telemetry = new RecordingTelemetry();
    const s = store(front.endpoint, 'any-table', new ManualClock(), { timeoutMs: 50, telemetry });
    const started = Date.now();
    const admission = await s.admit('p/m', settings, 30_000);
    expect(admission.decision).toBe('allow');
    expect(Date.now() - started).toBeLessThan(2_000);
    await s.report('p/m', settings, admission, { kind: 'failure' });
    expect(telemetry.count(METRICS.breakerStoreDegraded)).toBeGreaterThanOrEqual(1);
  });

  it('falls back to memory when throttled, and the in-memory breaker still opens', async () => {
    const front = await frontOf(dynalite.endpoint, { throttle: true });
    const telemetry = new RecordingTelemetry();
    const s = store(front.endpoint, 'any-table', new ManualClock({ frozen: true }), { telemetry });
    for (let i = 0; i < settings.consecutiveFailures; i++) await s.report('p/m', settings, await s.admit('p/m', settings, 30_000), { kind: 'failure' });
    expect(await s.admit('p/m', settings, 30_000)).toMatchObject({ decision: 'skip', reason: 'open' });
    expect(telemetry.count(METRICS.breakerStoreDegraded)).toBe(1);
    expect(telemetry.logs.some((l) => String(l.fields?.error).includes('Throttling'))).toBe(true);
  });
});
