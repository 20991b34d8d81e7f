import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runKeysCli } from '../../functions/cli/keys.ts';
import { hashAdminKey, isAdminKey } from '../../functions/core/operator-auth.ts';
import { FakeSsm } from '../support/fake-ssm.ts';

/** `npm run keys -- admin`: the operator key, printed once, only its hash stored. */
describe('npm run keys -- admin', () => {
  let ssm: FakeSsm;
  let client: SSMClient;
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };

  beforeEach(async () => {
    ssm = await new FakeSsm().start();
    client = new SSMClient({ endpoint: ssm.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    out.length = 0;
    err.length = 0;
  });
  afterEach(() => ssm.close());

  it('stores only the hash under <path>/operator/admin and prints the key once on stdout', async () => {
    const now = new Date('2026-12-02T10:00:00Z');
    expect(await runKeysCli(['admin'], io, { client, now: () => now })).toBe(0);
    const key = out[0] ?? '';
    expect(isAdminKey(key)).toBe(true);
    expect(err.join('\n')).not.toContain(key);
    const stored = ssm.parameters.get('/understudy/keys/operator/admin');
    expect(stored?.value).not.toContain(key);
    expect(JSON.parse(stored?.value ?? '{}')).toEqual({ hash: hashAdminKey(key), created: '2026-12-02T10:00:00.000Z' });
  });

  it('admin local prints a key without touching SSM', async () => {
    expect(await runKeysCli(['admin', 'local'], io, { client })).toBe(0);
    expect(isAdminKey(out[0] ?? '')).toBe(true);
    expect(ssm.commands).toEqual([]);
  });
});
