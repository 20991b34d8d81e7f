import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SsmSecrets } from '../../functions/adapters/ssm-secrets.ts';
import { METRICS } from '../../functions/config/metric-names.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

const KEY = 'sk-test-0123456789abcdef';

describe('SsmSecrets', () => {
  let ssm: FakeSsm;
  let telemetry: RecordingTelemetry;
  let clock: ManualClock;
  let secrets: SsmSecrets;

  beforeEach(async () => {
    ssm = await new FakeSsm().start();
    telemetry = new RecordingTelemetry();
    clock = new ManualClock({ frozen: true });
    secrets = new SsmSecrets({ client: ssm.calls(), env: { OPENAI_KEY: ' env-key ' }, telemetry, clock });
  });
  afterEach(() => ssm.close());

  it('reads a SecureString with decryption, exactly one GetParameter', async () => {
    ssm.put('/understudy/keys/openai', KEY, 'SecureString');
    expect(await secrets.resolve('ssm:/understudy/keys/openai')).toBe(KEY);
    expect(ssm.commands).toEqual([{ target: 'GetParameter', body: { Name: '/understudy/keys/openai', WithDecryption: true } }]);
  });

  it('caches a key for 5 minutes, then picks up a rotated one', async () => {
    ssm.put('/understudy/keys/openai', KEY, 'SecureString');
    await secrets.resolve('ssm:/understudy/keys/openai');
    ssm.put('/understudy/keys/openai', 'sk-rotated', 'SecureString');
    clock.advance(299_000);
    expect(await secrets.resolve('ssm:/understudy/keys/openai')).toBe(KEY);
    expect(ssm.seen('GetParameter')).toHaveLength(1);
    clock.advance(1_000);
    expect(await secrets.resolve('ssm:/understudy/keys/openai')).toBe('sk-rotated');
    expect(ssm.seen('GetParameter')).toHaveLength(2);
  });

  it('shares one SSM call between concurrent resolves', async () => {
    ssm.put('/understudy/keys/openai', KEY, 'SecureString');
    const values = await Promise.all([1, 2, 3].map(() => secrets.resolve('ssm:/understudy/keys/openai')));
    expect(values).toEqual([KEY, KEY, KEY]);
    expect(ssm.seen('GetParameter')).toHaveLength(1);
  });

  it('a missing parameter is undefined, counted per provider, and remembered briefly', async () => {
    expect(await secrets.resolve('ssm:/understudy/keys/anthropic')).toBeUndefined();
    expect(telemetry.metrics).toEqual([{ name: METRICS.providerKeyMissing, value: 1, dimensions: { Provider: 'anthropic' } }]);
    expect(telemetry.logs[0]?.message).toContain('/understudy/keys/anthropic does not exist');
    expect(await secrets.resolve('ssm:/understudy/keys/anthropic')).toBeUndefined();
    expect(ssm.seen('GetParameter')).toHaveLength(1);

    ssm.put('/understudy/keys/anthropic', KEY, 'SecureString');
    clock.advance(30_000);
    expect(await secrets.resolve('ssm:/understudy/keys/anthropic')).toBe(KEY);
  });

  it('keeps serving a known key when SSM fails, backs off, and never logs the value', async () => {
    ssm.put('/understudy/keys/openai', KEY, 'SecureString');
    await secrets.resolve('ssm:/understudy/keys/openai');
    clock.advance(300_000);
    ssm.failNext(1, 'error500');
    expect(await secrets.resolve('ssm:/understudy/keys/openai')).toBe(KEY);
    expect(telemetry.count(METRICS.keyStoreDegraded)).toBe(1);
    expect(await secrets.resolve('ssm:/understudy/keys/openai')).toBe(KEY);
    expect(ssm.seen('GetParameter')).toHaveLength(2); // backoff: no call per request while SSM is down
    expect(JSON.stringify(telemetry.logs)).not.toContain(KEY);
  });

  it('without a known key, an SSM failure is undefined (that provider is skipped)', async () => {
    ssm.put('/understudy/keys/openai', KEY, 'SecureString');
    ssm.failNext(1, 'throttle');
    expect(await secrets.resolve('ssm:/understudy/keys/openai')).toBeUndefined();
    clock.advance(10_000);
    expect(await secrets.resolve('ssm:/understudy/keys/openai')).toBe(KEY);
  });

  it('delegates env: references and ignores anything else', async () => {
    expect(await secrets.resolve('env:OPENAI_KEY')).toBe('env-key');
    expect(await secrets.resolve('env:NOT_SET')).toBeUndefined();
    expect(await secrets.resolve('sk-literal')).toBeUndefined();
    expect(ssm.commands).toEqual([]);
  });
});
