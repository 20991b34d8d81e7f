import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAwsRuntime, type AwsRuntime } from '../../functions/adapters/aws-runtime.ts';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { clientKeyRecord, generateClientKey } from '../../functions/core/client-keys.ts';
import { cloudWatchAlarms } from '../../functions/drill/alarms.ts';
import { DrillClient } from '../../functions/drill/client.ts';
import { ssmConfigControl } from '../../functions/drill/ssm-config-control.ts';
import type { DrillReport } from '../../functions/drill/report.ts';
import { runDrill } from '../../functions/drill/run-drill.ts';
import { nodeHandler } from '../../functions/local/node-http.ts';
import { startDynalite } from '../support/dynalite.ts';
import { FakeCloudWatch } from '../support/fake-cloudwatch.ts';
import { openaiTextFrames, startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

/**
 * The drill as it runs against a deployed stack: the fault goes through the SSM config parameter
 * (a fake Parameter Store), the proxy is the AWS composition root (config refreshed from SSM,
 * breakers in a dynalite table, client keys checked) behind HTTP, and the alarm states come from
 * CloudWatch's DescribeAlarms (a fake whose served-by-fallback alarm follows the fault).
 */

const PARAMETER = '/understudy/config';
const KEYS_PATH = '/understudy/keys';
const TABLE = 'understudy-breakers';
const aws = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
const key = generateClientKey();

let ssm: FakeSsm;
let cloudwatch: FakeCloudWatch;
let dynalite: { endpoint: string; close(): Promise<void> };
let providers: FakeProvider[];
let runtime: AwsRuntime;
let server: Server;
let url: string;
/** The served-by-fallback alarm fires while the fault is in the parameter, unless a test silences it. */
let alarmFires = true;

const faultInParameter = () => {
  const value = ssm.parameters.get(PARAMETER)?.value;
  return value !== undefined && (JSON.parse(value) as { providers: Record<string, { chaos?: unknown }> }).providers['openai-drill']?.chaos !== undefined;
};

beforeAll(async () => {
  ssm = await new FakeSsm().start();
  cloudwatch = await new FakeCloudWatch().start();
  dynalite = await startDynalite();
  const dynamo = new DynamoDBClient({ endpoint: dynalite.endpoint, ...aws });
  await createBreakerTable(dynamo, TABLE);
  providers = [
    await startFakeProvider(() => ({ kind: 'sse', frames: openaiTextFrames(['primary']) })),
    await startFakeProvider(() => ({ kind: 'sse', frames: openaiTextFrames(['fallback']) })),
  ];
  const config = {
    providers: {
      'openai-drill': { kind: 'openai', baseUrl: providers[0]!.baseUrl, apiKey: `ssm:${KEYS_PATH}/openai` },
      backup: { kind: 'openai', baseUrl: providers[1]!.baseUrl, apiKey: `ssm:${KEYS_PATH}/backup` },
    },
    aliases: { drill: { targets: [{ provider: 'openai-drill', model: 'gpt-4o-mini' }, { provider: 'backup', model: 'llama' }] } },
    policy: { breaker: { consecutiveFailures: 3, openMs: 300, maxOpenMs: 600 } },
  };
  ssm.put(PARAMETER, JSON.stringify(config));
  ssm.put(`${KEYS_PATH}/openai`, 'sk-openai', 'SecureString');
  ssm.put(`${KEYS_PATH}/backup`, 'sk-backup', 'SecureString');
  ssm.put(`${KEYS_PATH}/clients/${key.id}`, JSON.stringify(clientKeyRecord(key.key, 'drill canary', ['drill'], new Date())), 'SecureString');

  const served = () => (alarmFires && faultInParameter() ? 'ALARM' : 'OK');
  cloudwatch.alarms.set('Understudy-input-served-by-fallback-drill', served);
  cloudwatch.alarms.set('Understudy-input-breaker-open-openai-drill-gpt-4o-mini', served);
  cloudwatch.alarms.set('Understudy-page-chain-exhausted-drill', () => 'OK');
  cloudwatch.alarms.set('Understudy-warn-probe-backup', () => 'ALARM');
  cloudwatch.alarms.set('Elsewhere-input-served-by-fallback-drill', () => 'ALARM');

  runtime = createAwsRuntime(
    { UNDERSTUDY_CONFIG_PARAMETER: PARAMETER, UNDERSTUDY_BUNDLED_CONFIG: JSON.stringify(config), UNDERSTUDY_BREAKER_TABLE: TABLE, UNDERSTUDY_KEYS_PATH: KEYS_PATH },
    { ssm: ssm.calls(), dynamo, telemetry: new RecordingTelemetry(), configTtlMs: 100 },
  );
  server = createServer(
    nodeHandler(async (request, options) => {
      const handled = await (await runtime.ready()).handle(request, options);
      return { response: handled.response, done: handled.done.then(() => runtime.afterRequest()) };
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await Promise.all([ssm.close(), cloudwatch.close(), dynalite.close(), ...providers.map((p) => p.close())]);
});

function drill(): Promise<DrillReport> {
  return runDrill(
    // A fleet's breaker cache may let a few more failures through than one process: the CLI's slack.
    { alias: 'drill', url, intervalMs: 50, openSlack: 3, alarmTimeoutMs: 2_000, alarmPollMs: 50 },
    {
      traffic: new DrillClient({ url, alias: 'drill', key: key.key, dialect: 'openai' }),
      // The config refreshes every 100 ms ± 20 % here; breaker state is cached for 1 s.
      control: ssmConfigControl(new SSMClient({ endpoint: ssm.url, ...aws }), PARAMETER, { propagationMs: 2_000 }),
      alarms: cloudWatchAlarms(new CloudWatchClient({ endpoint: cloudwatch.url, ...aws }), 'Understudy', 'drill'),
    },
  );
}

const checks = (report: DrillReport, step: string) => report.steps.find((s) => s.step === step)?.checks.map((c) => `${c.status} ${c.detail}`) ?? [];

describe('a drill against the deployed composition (SSM, DynamoDB, CloudWatch)', () => {
  it('passes every step, sees the L2 alarm fire and clear, and leaves the parameter as it found it', async () => {
    const before = validateConfig(JSON.parse(ssm.parameters.get(PARAMETER)!.value));
    const puts = ssm.seen('PutParameter').length;
    const report = await drill();
    expect(report.steps.map((s) => `${s.step}:${s.status}`), JSON.stringify(report.steps, null, 1)).toEqual([
      'preflight:pass',
      'baseline:pass',
      'fault:pass',
      'streaming:pass',
      'alarm:pass',
      'recovery:pass',
      'alarm-clears:pass',
    ]);
    expect(report.passed).toBe(true);
    expect(checks(report, 'fault')[0]).toBe('pass fault injected on provider "openai-drill" (every attempt answers 503) through SSM parameter /understudy/config');
    expect(checks(report, 'alarm')[0]).toMatch(/^pass Understudy-input-served-by-fallback-drill is ALARM after \d+ s$/);
    expect(checks(report, 'alarm')[1]).toBe('pass Understudy-input-breaker-open-openai-drill-gpt-4o-mini is ALARM');
    expect(checks(report, 'alarm-clears')[0]).toMatch(/^pass Understudy-input-served-by-fallback-drill is OK after \d+ s$/);
    // Only the alias's own failover alarms, across pages, under the stack's prefix.
    expect(checks(report, 'alarm')).toHaveLength(2);
    expect(cloudwatch.calls.some((c) => c.NextToken !== undefined)).toBe(true);
    expect(cloudwatch.calls.every((c) => c.AlarmNamePrefix === 'Understudy-')).toBe(true);

    // Two writes (fault, restore), each a valid document; the result equals what was there before.
    const writes = ssm.seen('PutParameter').slice(puts);
    expect(writes).toHaveLength(2);
    for (const write of writes) expect(validateConfig(JSON.parse(String(write.body.Value))).ok).toBe(true);
    expect(validateConfig(JSON.parse(ssm.parameters.get(PARAMETER)!.value))).toEqual(before);
  });

  it('fails the alarm step when the L2 alarm never fires, and still restores the parameter', async () => {
    alarmFires = false;
    try {
      const report = await drill();
      expect(report.passed).toBe(false);
      expect(report.steps.find((s) => s.step === 'alarm')?.status).toBe('fail');
      expect(checks(report, 'alarm')[0]).toMatch(/^fail Understudy-input-served-by-fallback-drill stayed OK for 2 s \(expected ALARM\)$/);
      expect(faultInParameter()).toBe(false);
    } finally {
      alarmFires = true;
    }
  });
});

describe('the scheduled canary (functions/drill/canary-handler.ts)', () => {
  type Canary = (event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<{ passed: boolean; requests: number }>;
  const context = { getRemainingTimeInMillis: () => 14 * 60_000 };

  async function canary(alias: string): Promise<{ run: Promise<{ passed: boolean; requests: number }>; logged: () => string }> {
    ssm.put('/understudy/drill/key', key.key, 'SecureString');
    for (const [name, value] of Object.entries({
      UNDERSTUDY_DRILL_URL: url,
      UNDERSTUDY_DRILL_ALIAS: alias,
      UNDERSTUDY_DRILL_KEY_PARAMETER: '/understudy/drill/key',
      UNDERSTUDY_CONFIG_PARAMETER: PARAMETER,
      UNDERSTUDY_STACK_NAME: 'Understudy',
      UNDERSTUDY_DRILL_INTERVAL_MS: '50',
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
      AWS_REGION: aws.region,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
    })) vi.stubEnv(name, value);
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
    const { handler } = (await import('../../functions/drill/canary-handler.ts')) as { handler: Canary };
    const run = handler({}, context).finally(() => {
      spy.mockRestore();
      vi.unstubAllEnvs();
    });
    return { run, logged: () => lines.join('') };
  }

  it('runs the drill with the key from SSM and logs the report, without the key', async () => {
    const { run, logged } = await canary('drill');
    const result = await run;
    expect(result.passed).toBe(true);
    expect(result.requests).toBeGreaterThan(5);
    expect(logged()).toContain('"message":"drill report"');
    expect(logged()).toContain('"passed":true');
    expect(logged()).not.toContain(key.key);
    expect(faultInParameter()).toBe(false);
  });

  it('throws when the drill fails, so the Errors metric and the drill-failed alarm see it', async () => {
    const { run } = await canary('no-such-alias');
    await expect(run).rejects.toThrow('drill of alias "no-such-alias" FAILED: preflight');
  });
});
