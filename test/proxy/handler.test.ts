import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { clientKeyRecord, generateClientKey } from '../../functions/core/client-keys.ts';
import { RecordingResponseStream } from '../support/awslambda-runtime.ts';
import { startDynalite } from '../support/dynalite.ts';
import { openaiError, openaiTextFrames, startFakeProvider, type Behavior, type FakeProvider } from '../support/fake-provider.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { stubLambdaEnvironment } from '../support/lambda-environment.ts';

/**
 * The real exported Lambda handlers, run as the Lambda runtime runs them: a function URL event, a
 * response stream that records the prelude and the 8 NUL bytes, the AWS SDK clients pointed at a
 * fake Parameter Store and a dynalite breaker table on loopback, fake providers behind them.
 */

type StreamingHandler = (event: LambdaFunctionURLEvent, stream: RecordingResponseStream, context: Context) => Promise<unknown>;
type HealthHandler = (event: unknown, context: { getRemainingTimeInMillis: () => number }) => Promise<{ rounds: number }>;

const TABLE = 'understudy-breakers';
const KEYS_PATH = '/understudy/keys';
const key = generateClientKey();

let ssm: FakeSsm;
let dynalite: { endpoint: string; close(): Promise<void> };
let primary: FakeProvider;
let fallback: FakeProvider;
let primaryScript: () => Behavior = () => ({ kind: 'sse', frames: openaiTextFrames(['primary']) });
/** When set, the primary answers every call, probes included, with a 503. */
let primaryDown = false;
let proxy: StreamingHandler;
let health: HealthHandler;
const stdout: { seq: number; line: string }[] = [];
let seq = 0;

beforeAll(async () => {
  ssm = await new FakeSsm().start();
  dynalite = await startDynalite();
  await createBreakerTable(new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }), TABLE);
  primary = await startFakeProvider((request) => {
    if (primaryDown) return openaiError(503, 'down', 'server_error');
    return request.url.endsWith('/models') ? { kind: 'json', status: 200, body: { data: [] } } : primaryScript();
  });
  fallback = await startFakeProvider((request) => {
    if (request.url.endsWith('/models')) return { kind: 'json', status: 200, body: { data: [] } };
    // The shadow of the `shadowed` alias answers after the primary: the invocation must wait for it.
    if ((request.body as { model?: string }).model === 'llama-shadow') return { kind: 'sse', frames: openaiTextFrames(['shadow']), firstDelayMs: 100 };
    return { kind: 'sse', frames: openaiTextFrames(['fallback']) };
  });
  const config = {
    providers: {
      primary: { kind: 'openai', baseUrl: primary.baseUrl, apiKey: `ssm:${KEYS_PATH}/primary` },
      fallback: { kind: 'openai', baseUrl: fallback.baseUrl, apiKey: `ssm:${KEYS_PATH}/fallback` },
    },
    aliases: {
      'default-model': { targets: [{ provider: 'primary', model: 'gpt-4o' }, { provider: 'fallback', model: 'llama' }] },
      shadowed: { targets: [{ provider: 'primary', model: 'gpt-4o' }], shadow: { target: { provider: 'fallback', model: 'llama-shadow' }, sampleRate: 1 } },
    },
    // The in-band error after the commit is what this file checks; continuation has its own suite.
    policy: { breaker: { consecutiveFailures: 2 }, continueStreams: false },
  };
  ssm.put('/understudy/config', JSON.stringify(config));
  ssm.put(`${KEYS_PATH}/primary`, 'sk-primary', 'SecureString');
  ssm.put(`${KEYS_PATH}/fallback`, 'sk-fallback', 'SecureString');
  ssm.put(`${KEYS_PATH}/clients/${key.id}`, JSON.stringify(clientKeyRecord(key.key, 'test', undefined, new Date())), 'SecureString');

  stubLambdaEnvironment({ config: config, table: TABLE, keysPath: KEYS_PATH, ssmUrl: ssm.url, dynamoEndpoint: dynalite.endpoint });
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Understudy');
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push({ seq: ++seq, line: String(chunk) });
    return true;
  });
  proxy = (await import('../../functions/proxy/handler.ts')).handler as unknown as StreamingHandler;
  health = (await import('../../functions/health/handler.ts')).handler as unknown as HealthHandler;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await Promise.all([primary.close(), fallback.close(), ssm.close(), dynalite.close()]);
});

function event(body: unknown, headers: Record<string, string> = {}, base64 = false): LambdaFunctionURLEvent {
  const text = JSON.stringify(body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/chat/completions',
    rawQueryString: '',
    headers: { host: 'abc.lambda-url.us-east-1.on.aws', 'content-type': 'application/json', authorization: `Bearer ${key.key}`, ...headers },
    requestContext: { http: { method: 'POST', path: '/v1/chat/completions', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, domainName: 'abc.lambda-url.us-east-1.on.aws' },
    body: base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: base64,
  } as unknown as LambdaFunctionURLEvent;
}

const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'req-1', functionName: 'proxy' } as unknown as Context;

/** Invokes the handler; marks the stdout position when the body's last byte was written. */
async function invoke(e: LambdaFunctionURLEvent) {
  const stream = new RecordingResponseStream();
  let endedAt = 0;
  stream.on('finish', () => (endedAt = seq));
  await proxy(e, stream, context);
  return { ...stream.result(), endedAt };
}

const messages = [{ role: 'user', content: 'hi' }];

describe('the proxy handler under the Lambda streaming contract', () => {
  it('serves a streamed answer: prelude with status and headers first, then the body', async () => {
    const result = await invoke(event({ model: 'default-model', messages, stream: true }));
    expect(result.statusCode).toBe(200);
    expect(result.headers['x-understudy-provider']).toBe('primary');
    expect(result.headers['content-type']).toMatch(/text\/event-stream/);
    expect(result.headers['content-length']).toBeUndefined();
    expect(result.body).toContain('"content":"primary"');
    expect(result.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(primary.requests.at(-1)?.headers.authorization).toBe('Bearer sk-primary');
  });

  it('flushes the metrics after the body, not before', async () => {
    const before = stdout.length;
    const result = await invoke(event({ model: 'default-model', messages }));
    expect(result.statusCode).toBe(200);
    const emf = stdout.slice(before).filter((entry) => entry.line.includes('"_aws"') && entry.line.includes('"Requests"'));
    expect(emf.length).toBeGreaterThan(0);
    for (const entry of emf) expect(entry.seq).toBeGreaterThanOrEqual(result.endedAt);
  });

  it('a shadow call finishes, and its metrics are flushed, before the invocation ends', async () => {
    const before = stdout.length;
    const shadowCalls = fallback.requests.length;
    const result = await invoke(event({ model: 'shadowed', messages, stream: true }));
    expect(result.statusCode).toBe(200);
    expect(result.headers['x-understudy-provider']).toBe('primary');
    expect(result.body).toContain('"content":"primary"');
    expect(fallback.requests.length).toBe(shadowCalls + 1);
    const after = stdout.slice(before).map((entry) => entry.line);
    expect(after.some((line) => line.includes('"_aws"') && line.includes('"ShadowRequests"') && line.includes('"shadowed"'))).toBe(true);
    expect(after.some((line) => line.includes('"ShadowSimilarity"'))).toBe(true);
    expect(after.some((line) => line.includes('"message":"shadow"') && line.includes('"bothOk":true'))).toBe(true);
  });

  it('decodes base64 bodies', async () => {
    const result = await invoke(event({ model: 'default-model', messages }, {}, true));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).choices[0].message.content).toBe('primary');
  });

  it('answers 401 in the OpenAI format without a valid proxy key', async () => {
    const result = await invoke(event({ model: 'default-model', messages }, { authorization: 'Bearer us_00000000_nope' }));
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error.type).toBe('authentication_error');
    expect(result.headers['x-should-retry']).toBe('false');
  });

  it('writes an in-band error after the commit point, never a clean end', async () => {
    primaryScript = () => ({ kind: 'sse', frames: openaiTextFrames(['Hel', 'lo']).slice(0, 2), then: 'cut' });
    const result = await invoke(event({ model: 'default-model', messages, stream: true }));
    primaryScript = () => ({ kind: 'sse', frames: openaiTextFrames(['primary']) });
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('"content":"Hel"');
    expect(result.body).toContain('"error"');
    expect(result.body).not.toContain('[DONE]');
  });

  it('the health checker opens the breaker of a failing provider, and the proxy then skips it', async () => {
    primaryDown = true;
    const healthContext = { getRemainingTimeInMillis: () => 1_000 };
    // Two runs, one round each (too little time left for a second): two failed probes in a row.
    expect((await health({}, healthContext)).rounds).toBe(1);
    await health({}, healthContext);
    await new Promise((resolve) => setTimeout(resolve, 1_300)); // past the view's refresh period (1 s ± 20 %)
    // This instance's view predates the checker's write: the request decides on it and refreshes it
    // beside the request (it may still try the primary once), and after the response…
    expect((await invoke(event({ model: 'default-model', messages }))).statusCode).toBe(200);
    const calls = primary.requests.length;
    // …the next request obeys the open breaker.
    const result = await invoke(event({ model: 'default-model', messages }));
    expect(result.statusCode).toBe(200);
    expect(result.headers['x-understudy-attempts']).toBe('primary/gpt-4o=skipped-open,fallback/llama=200');
    expect(primary.requests.length).toBe(calls);
    primaryDown = false;
  });
});
