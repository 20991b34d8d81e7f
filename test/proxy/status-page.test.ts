import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { DynamoBreakerStore } from '../../functions/adapters/dynamo-breaker-store.ts';
import { clientKeyRecord, generateClientKey } from '../../functions/core/client-keys.ts';
import { generateAdminKey, hashAdminKey } from '../../functions/core/operator-auth.ts';
import { systemClock } from '../../functions/core/ports.ts';
import type { StatusSnapshot } from '../../functions/core/status-board.ts';
import { RecordingResponseStream } from '../support/awslambda-runtime.ts';
import { startDynalite } from '../support/dynalite.ts';
import { openaiTextFrames, startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { stubLambdaEnvironment } from '../support/lambda-environment.ts';

/**
 * The deployed status page: the real exported proxy handler under the Lambda streaming contract,
 * with a fake Parameter Store and a dynalite breaker table on loopback. The page's shell is public;
 * its events and JSON take the operator key whose hash `npm run keys -- admin` stores in SSM, read
 * only when an operator path is asked for. Breakers come from the table (every target it holds),
 * traffic from this instance.
 */

type StreamingHandler = (event: LambdaFunctionURLEvent, stream: RecordingResponseStream, context: Context) => Promise<unknown>;

const TABLE = 'understudy-status-breakers';
const KEYS_PATH = '/understudy/keys';
const ADMIN_PARAMETER = `${KEYS_PATH}/operator/admin`;
const PROMPT = 'never-show-this-prompt';
const clientKey = generateClientKey();
const adminKey = generateAdminKey();

let ssm: FakeSsm;
let dynalite: { endpoint: string; close(): Promise<void> };
let provider: FakeProvider;
let dynamo: DynamoDBClient;

const config = {
  providers: { primary: { kind: 'openai', baseUrl: '', apiKey: `ssm:${KEYS_PATH}/primary` } },
  aliases: { 'default-model': { targets: [{ provider: 'primary', model: 'gpt-4o' }] } },
};

beforeAll(async () => {
  ssm = await new FakeSsm().start();
  dynalite = await startDynalite();
  dynamo = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await createBreakerTable(dynamo, TABLE);
  provider = await startFakeProvider((request) => (request.url.endsWith('/models') ? { kind: 'json', status: 200, body: { data: [] } } : { kind: 'sse', frames: openaiTextFrames(['hello']) }));
  config.providers.primary.baseUrl = provider.baseUrl;
  ssm.put('/understudy/config', JSON.stringify(config));
  ssm.put(`${KEYS_PATH}/primary`, 'sk-primary', 'SecureString');
  ssm.put(`${KEYS_PATH}/clients/${clientKey.id}`, JSON.stringify(clientKeyRecord(clientKey.key, 'test', undefined, new Date())), 'SecureString');

  stubLambdaEnvironment({ config: config, table: TABLE, keysPath: KEYS_PATH, ssmUrl: ssm.url, dynamoEndpoint: dynalite.endpoint });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await Promise.all([provider.close(), ssm.close(), dynalite.close()]);
});

/** A fresh instance: the handler module as a cold start evaluates it. */
async function coldStart(): Promise<StreamingHandler> {
  vi.resetModules();
  return (await import('../../functions/proxy/handler.ts')).handler as unknown as StreamingHandler;
}

function event(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): LambdaFunctionURLEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc.lambda-url.us-east-1.on.aws', ...headers },
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' }, domainName: 'abc.lambda-url.us-east-1.on.aws' },
    ...(body === undefined ? {} : { body: JSON.stringify(body), isBase64Encoded: false }),
  } as unknown as LambdaFunctionURLEvent;
}

/**
 * Invokes the handler. `remainingMs` is the invocation's time left: an event stream ends before
 * the invocation's deadline (1.5 s of margin), so a short one bounds the stream in this test.
 */
async function invoke(handler: StreamingHandler, e: LambdaFunctionURLEvent, remainingMs = 60_000) {
  const stream = new RecordingResponseStream();
  const context = { getRemainingTimeInMillis: () => remainingMs, awsRequestId: 'req', functionName: 'proxy' } as unknown as Context;
  await handler(e, stream, context);
  return stream.result();
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const adminReads = () => ssm.seen('GetParameter').filter((c) => c.body.Name === ADMIN_PARAMETER).length;
const snapshots = (body: string): StatusSnapshot[] =>
  body
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => JSON.parse(block.slice(6)) as StatusSnapshot);

describe('the status page on the function URL, without an operator key stored', () => {
  it('serves the shell, and refuses the events and the JSON with 403 saying how to store a key (never open)', async () => {
    const handler = await coldStart();
    const shell = await invoke(handler, event('GET', '/status'));
    expect(shell.statusCode).toBe(200);
    expect(shell.headers['content-type']).toContain('text/html');
    expect(shell.headers['content-security-policy']).toContain("connect-src 'self'");
    for (const path of ['/status/events', '/status.json']) {
      for (const headers of [{}, bearer(adminKey)]) {
        const refused = await invoke(handler, event('GET', path, headers));
        expect(refused.statusCode, path).toBe(403);
        expect(JSON.parse(refused.body).error.message).toContain('npm run keys -- admin');
      }
    }
    // The missing parameter is remembered for a while: scanners cannot drive SSM calls.
    expect(adminReads()).toBe(1);
  });
});

describe('the status page on the function URL, with the operator key stored', () => {
  let handler: StreamingHandler;

  beforeAll(async () => {
    ssm.put(ADMIN_PARAMETER, JSON.stringify({ hash: hashAdminKey(adminKey), created: new Date().toISOString() }), 'SecureString');
    // A target the config does not name, forced open by an operator (`npm run breakers -- force-open --table`).
    const operator = new DynamoBreakerStore({ client: dynamo, table: TABLE, clock: systemClock, timeoutMs: 5_000 });
    await operator.force('retired/old-model', 'open');
    handler = await coldStart();
  });

  it('serves inference without ever reading the operator key', async () => {
    const before = adminReads();
    const answer = await invoke(
      handler,
      event('POST', '/v1/chat/completions', { ...bearer(clientKey.key), 'content-type': 'application/json' }, { model: 'default-model', stream: true, messages: [{ role: 'user', content: PROMPT }] }),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('hello');
    expect(adminReads()).toBe(before);
  });

  it('refuses the events without the key, with a wrong admin key and with a client key (401)', async () => {
    for (const [headers, code] of [
      [{}, 'missing_admin_key'],
      [bearer(generateAdminKey()), 'invalid_admin_key'],
      [bearer(clientKey.key), 'invalid_admin_key'],
      [{ 'x-api-key': generateAdminKey() }, 'invalid_admin_key'],
    ] as const) {
      const refused = await invoke(handler, event('GET', '/status/events', headers));
      expect(refused.statusCode).toBe(401);
      expect(JSON.parse(refused.body).error.code).toBe(code);
      expect(refused.body).not.toContain('data:');
    }
  });

  it('streams snapshots with the key: breakers from the table (every target), traffic and attempts of this instance, labelled so', async () => {
    // 3.5 s left in the invocation: the stream ends 1.5 s before, as a page sees it every minute.
    const events = await invoke(handler, event('GET', '/status/events', bearer(adminKey)), 3_500);
    expect(events.statusCode).toBe(200);
    expect(events.headers['content-type']).toBe('text/event-stream');
    const all = snapshots(events.body);
    expect(all.length).toBeGreaterThan(0);
    const last = all.at(-1)!;
    expect(last.scope).toMatchObject({ view: 'instance', breakers: 'table', statusPages: false });
    expect(last.aliases).toEqual([{ name: 'default-model', targets: [{ key: 'primary/gpt-4o', position: 1, usable: true }] }]);
    expect(last.breakers.map((b) => b.target)).toEqual(['primary/gpt-4o', 'retired/old-model']);
    expect(last.breakers.find((b) => b.target === 'retired/old-model')).toMatchObject({ forced: 'open' });
    expect(last.attempts.map((a) => [a.alias, a.target, a.outcome])).toContainEqual(['default-model', 'primary/gpt-4o', '200']);
    expect(last.traffic).toEqual([{ alias: 'default-model', target: 'primary/gpt-4o', served: 1, share: 1 }]);
    expect(events.body).not.toContain(PROMPT);
    expect(events.body).not.toContain('sk-primary');
  });

  it('answers /status.json with the key, and only GET', async () => {
    const json = await invoke(handler, event('GET', '/status.json', { 'x-api-key': adminKey }));
    expect(json.statusCode).toBe(200);
    expect((JSON.parse(json.body) as StatusSnapshot).breakers.map((b) => b.target)).toContain('retired/old-model');
    expect((await invoke(handler, event('POST', '/status/events', { ...bearer(adminKey), 'content-type': 'application/json' }, {}))).statusCode).toBe(405);
  });

  it('serves no operator API: /admin is not a route on Lambda, key or not', async () => {
    const admin = await invoke(handler, event('GET', '/admin/breakers', bearer(adminKey)));
    expect(admin.statusCode).toBe(404);
  });
});
