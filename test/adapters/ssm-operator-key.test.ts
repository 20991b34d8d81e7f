import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SsmOperatorKey } from '../../functions/adapters/ssm-operator-key.ts';
import { runKeysCli } from '../../functions/cli/keys.ts';
import { METRICS } from '../../functions/config/metric-names.ts';
import { authorizeOperator } from '../../functions/core/operator-auth.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

/** The deployed function's operator key: the hash `npm run keys -- admin` stores, read on demand with a short TTL. */
describe('SsmOperatorKey', () => {
  let ssm: FakeSsm;
  let client: SSMClient;
  let clock: ManualClock;
  let telemetry: RecordingTelemetry;
  let operatorKey: SsmOperatorKey;

  beforeEach(async () => {
    ssm = await new FakeSsm().start();
    client = new SSMClient({ endpoint: ssm.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    clock = new ManualClock({ frozen: true });
    telemetry = new RecordingTelemetry();
    operatorKey = new SsmOperatorKey({ client: ssm.calls(), keysPath: '/understudy/keys', clock, telemetry, ttlMs: 30_000, retryMs: 10_000 });
  });
  afterEach(() => ssm.close());

  /** `npm run keys -- admin` in-process: stores the hash, returns the key it printed once. */
  async function storeAdminKey(): Promise<string> {
    const out: string[] = [];
    expect(await runKeysCli(['admin'], { out: (l) => out.push(l), err: () => {} }, { client })).toBe(0);
    return out[0]!;
  }

  const get = (key?: string) => ({ method: 'GET', headers: new Headers(key ? { authorization: `Bearer ${key}` } : {}) });
  const reads = () => ssm.seen('GetParameter').length;

  it('lets in the key `keys -- admin` made, reading SSM once per TTL (decrypted), and a rotated key within the TTL', async () => {
    const key = await storeAdminKey();
    expect(authorizeOperator(get(key), await operatorKey.current(), undefined)).toEqual({ ok: true, via: 'admin-key' });
    expect(ssm.seen('GetParameter')[0]!.body).toMatchObject({ Name: '/understudy/keys/operator/admin', WithDecryption: true });
    await operatorKey.current();
    expect(reads()).toBe(1);

    const rotated = await storeAdminKey();
    clock.advance(29_000);
    expect(authorizeOperator(get(key), await operatorKey.current(), undefined).ok).toBe(true); // still in the TTL
    clock.advance(1_000);
    expect(authorizeOperator(get(key), await operatorKey.current(), undefined)).toMatchObject({ ok: false, error: { status: 401 } });
    expect(authorizeOperator(get(rotated), await operatorKey.current(), undefined).ok).toBe(true);
    expect(reads()).toBe(2);
  });

  it('without the parameter refuses everything with 403 and how to create one; asks again only after retryMs', async () => {
    const policy = await operatorKey.current();
    expect(authorizeOperator(get('usa_' + 'a'.repeat(43)), policy, '127.0.0.1')).toMatchObject({
      ok: false,
      error: { status: 403, code: 'operator_key_missing', message: expect.stringContaining('npm run keys -- admin') },
    });
    await operatorKey.current();
    expect(reads()).toBe(1);
    const key = await storeAdminKey();
    clock.advance(10_000);
    expect(authorizeOperator(get(key), await operatorKey.current(), undefined).ok).toBe(true);
  });

  it('a parameter holding no hash is refused like a missing one', async () => {
    ssm.put('/understudy/keys/operator/admin', 'not json', 'SecureString');
    expect(authorizeOperator(get(), await operatorKey.current(), undefined)).toMatchObject({ ok: false, error: { status: 403 } });
  });

  it('SSM failing keeps the hash it had (and counts key-store trouble); without one it answers 503, never open', async () => {
    const key = await storeAdminKey();
    await operatorKey.current();
    clock.advance(30_000);
    ssm.failNext(1, 'error500');
    expect(authorizeOperator(get(key), await operatorKey.current(), undefined).ok).toBe(true);
    expect(telemetry.metrics.some((m) => m.name === METRICS.keyStoreDegraded)).toBe(true);

    const fresh = new SsmOperatorKey({ client: ssm.calls(), keysPath: '/understudy/keys', clock });
    ssm.failNext(1, 'error500');
    expect(authorizeOperator(get(key), await fresh.current(), undefined)).toMatchObject({ ok: false, error: { status: 503, code: 'operator_key_unavailable' } });
  });

  it('joins one read when several operator requests arrive at once', async () => {
    await storeAdminKey();
    await Promise.all([operatorKey.current(), operatorKey.current(), operatorKey.current()]);
    expect(reads()).toBe(1);
  });
});
