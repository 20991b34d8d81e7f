import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SsmClientKeys, ssmAuthorize } from '../../functions/adapters/ssm-client-keys.ts';
import { runKeysCli } from '../../functions/cli/keys.ts';
import { METRICS } from '../../functions/config/metric-names.ts';
import { createAuthorize } from '../../functions/core/client-keys.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

describe('SsmClientKeys', () => {
  let ssm: FakeSsm;
  let client: SSMClient;
  let clock: ManualClock;
  let telemetry: RecordingTelemetry;

  beforeEach(async () => {
    ssm = await new FakeSsm().start();
    client = new SSMClient({ endpoint: ssm.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    clock = new ManualClock({ frozen: true });
    telemetry = new RecordingTelemetry();
  });
  afterEach(() => ssm.close());

  /** Creates a key with the operator CLI (in-process) and returns what it printed once. */
  async function create(name: string, ...extra: string[]): Promise<string> {
    const out: string[] = [];
    const code = await runKeysCli(['create', name, ...extra], { out: (l) => out.push(l), err: () => {} }, { client });
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    return out[0] ?? '';
  }

  const bearer = (key: string) => new Headers({ authorization: `Bearer ${key}` });

  it('a key made by `keys create` verifies; the store holds only a hash record', async () => {
    const key = await create('team-a', '--aliases', 'fast,cheap');
    const id = key.split('_')[1] ?? '';
    const stored = ssm.parameters.get(`/understudy/keys/clients/${id}`);
    expect(stored?.type).toBe('SecureString');
    expect(stored?.value).not.toContain(key);
    expect(JSON.parse(stored?.value ?? '{}')).toMatchObject({ name: 'team-a', aliases: ['fast', 'cheap'] });

    const authorize = ssmAuthorize({ client: ssm.calls(), keysPath: '/understudy/keys', clock, telemetry });
    expect(await authorize(bearer(key), 'openai')).toEqual({ ok: true, keyId: id, keyName: 'team-a', aliases: ['fast', 'cheap'] });
    expect(ssm.seen('GetParametersByPath').map((c) => c.body)).toEqual([{ Path: '/understudy/keys/clients', Recursive: false, WithDecryption: true, MaxResults: 10 }]);
  });

  it('reads every page of a larger key set', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 12; i++) keys.push(await create(`k${i}`));
    const authorize = ssmAuthorize({ client: ssm.calls(), keysPath: '/understudy/keys', clock });
    for (const key of keys) expect(await authorize(new Headers({ 'x-api-key': key }), 'anthropic')).toMatchObject({ ok: true });
    expect(ssm.seen('GetParametersByPath')).toHaveLength(2);
  });

  it('a wrong key is a 401; guessed ids do not drive SSM calls faster than the miss bound', async () => {
    const key = await create('team-a');
    const authorize = ssmAuthorize({ client: ssm.calls(), keysPath: '/understudy/keys', clock });
    expect(await authorize(bearer(`${key.slice(0, -2)}zz`), 'openai')).toMatchObject({ ok: false, error: { status: 401 } });
    for (let i = 0; i < 20; i++) {
      const guess = `us_${i.toString(16).padStart(8, 'a')}_${'A'.repeat(43)}`;
      expect(await authorize(bearer(guess), 'openai')).toMatchObject({ ok: false, error: { status: 401, code: 'invalid_api_key' } });
    }
    expect(ssm.seen('GetParametersByPath')).toHaveLength(1);
  });

  it('a key created after the set was loaded works once the miss bound has passed', async () => {
    await create('first');
    const store = new SsmClientKeys({ client: ssm.calls(), keysPath: '/understudy/keys', clock, missReloadMs: 10_000 });
    const authorize = createAuthorize(store);
    await store.reload();
    const late = await create('late');
    expect(await authorize(bearer(late), 'openai')).toMatchObject({ ok: false });
    clock.advance(10_000);
    expect(await authorize(bearer(late), 'openai')).toMatchObject({ ok: true });
  });

  it('a revoked key is refused after the next reload', async () => {
    const key = await create('temp');
    const id = key.split('_')[1] ?? '';
    const store = new SsmClientKeys({ client: ssm.calls(), keysPath: '/understudy/keys', clock });
    const authorize = createAuthorize(store);
    expect(await authorize(bearer(key), 'openai')).toMatchObject({ ok: true });
    expect(await runKeysCli(['revoke', id], { out: () => {}, err: () => {} }, { client })).toBe(0);
    clock.advance(60_000);
    await authorize(bearer(key), 'openai'); // due: reload starts in the background
    await store.reload();
    expect(await authorize(bearer(key), 'openai')).toMatchObject({ ok: false, error: { status: 401 } });
  });

  it('SSM down before any set was loaded is a 503, and the next try waits for the miss bound', async () => {
    const key = await create('a');
    ssm.failNext(1, 'error500');
    const authorize = ssmAuthorize({ client: ssm.calls(), keysPath: '/understudy/keys', clock, telemetry });
    expect(await authorize(bearer(key), 'openai')).toMatchObject({ ok: false, error: { status: 503 } });
    expect(await authorize(bearer(key), 'openai')).toMatchObject({ ok: false, error: { status: 503 } });
    expect(ssm.seen('GetParametersByPath')).toHaveLength(1);
    expect(telemetry.count(METRICS.keyStoreDegraded)).toBe(1);
    clock.advance(10_000);
    expect(await authorize(bearer(key), 'openai')).toMatchObject({ ok: true });
  });

  it('SSM down after a load keeps serving the loaded set', async () => {
    const key = await create('a');
    const store = new SsmClientKeys({ client: ssm.calls(), keysPath: '/understudy/keys', clock, telemetry });
    const authorize = createAuthorize(store);
    expect(await authorize(bearer(key), 'openai')).toMatchObject({ ok: true });
    clock.advance(61_000);
    ssm.failNext(1, 'throttle');
    await store.reload();
    expect(telemetry.count(METRICS.keyStoreDegraded)).toBe(1);
    expect(await authorize(bearer(key), 'openai')).toMatchObject({ ok: true });
  });

  it('a corrupt record refuses that key only', async () => {
    const good = await create('good');
    ssm.put('/understudy/keys/clients/deadbeef', '{"name":"broken"}', 'SecureString');
    const authorize = ssmAuthorize({ client: ssm.calls(), keysPath: '/understudy/keys', clock, telemetry });
    expect(await authorize(bearer(good), 'openai')).toMatchObject({ ok: true });
    expect(await authorize(bearer(`us_deadbeef_${'A'.repeat(43)}`), 'openai')).toMatchObject({ ok: false, error: { status: 401 } });
    expect(telemetry.logs.some((l) => l.level === 'error' && l.message.includes('/understudy/keys/clients/deadbeef'))).toBe(true);
  });
});
