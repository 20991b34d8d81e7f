import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runKeysCli } from '../../functions/cli/keys.ts';
import { hashClientKey } from '../../functions/core/client-keys.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { runNode } from '../support/run-node.ts';

describe('npm run keys', () => {
  let ssm: FakeSsm;
  let client: SSMClient;
  let out: string[];
  let err: string[];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  const env = () => ({ AWS_ENDPOINT_URL_SSM: ssm.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });

  beforeEach(async () => {
    ssm = await new FakeSsm().start();
    client = new SSMClient({ endpoint: ssm.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    out = [];
    err = [];
  });
  afterEach(() => ssm.close());

  it('set reads the provider key from stdin and stores it as an overwriting SecureString', async () => {
    const result = await runNode('functions/cli/keys.ts', ['set', 'openai'], env(), 'sk-from-stdin-123\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain('sk-from-stdin-123');
    expect(ssm.commands).toEqual([
      { target: 'PutParameter', body: { Name: '/understudy/keys/openai', Value: 'sk-from-stdin-123', Type: 'SecureString', Overwrite: true } },
    ]);
  });

  it('set honours --path and refuses empty stdin without calling SSM', async () => {
    expect(await runKeysCli(['set', 'groq', '--path', '/staging/keys'], io, { client, readStdin: async () => '  gsk-1  ' })).toBe(0);
    expect(ssm.parameters.get('/staging/keys/groq')?.value).toBe('gsk-1');
    const empty = await runNode('functions/cli/keys.ts', ['set', 'openai'], env(), '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no key on stdin');
    expect(ssm.seen('PutParameter')).toHaveLength(1);
  });

  it('set refuses a key given on the command line', async () => {
    expect(await runKeysCli(['set', 'openai', 'sk-on-argv'], io, { client, readStdin: async () => 'x' })).toBe(1);
    expect(ssm.commands).toEqual([]);
  });

  it('create prints the key once on stdout and stores only a hash record, never overwriting', async () => {
    const now = new Date('2026-03-04T05:06:07Z');
    expect(await runKeysCli(['create', 'team-a', '--aliases', 'fast, cheap'], io, { client, now: () => now })).toBe(0);
    expect(out).toHaveLength(1);
    const key = out[0] ?? '';
    const id = key.split('_')[1] ?? '';
    expect(key).toMatch(/^us_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(err.join('\n')).not.toContain(key);
    const put = ssm.seen('PutParameter')[0]?.body;
    expect(put).toMatchObject({ Name: `/understudy/keys/clients/${id}`, Type: 'SecureString', Overwrite: false });
    expect(JSON.parse(String(put?.Value))).toEqual({ name: 'team-a', hash: hashClientKey(key), aliases: ['fast', 'cheap'], created: '2026-03-04T05:06:07.000Z' });
  });

  it('list shows ids, names and aliases but no hashes; revoke deletes', async () => {
    await runKeysCli(['create', 'alpha'], io, { client });
    await runKeysCli(['create', 'beta', '--aliases', 'fast'], io, { client });
    const ids = out.map((k) => k.split('_')[1]);
    out = [];
    expect(await runKeysCli(['list'], io, { client })).toBe(0);
    expect(out).toHaveLength(2);
    expect(out.join('\n')).toContain('\talpha\t*\t');
    expect(out.join('\n')).toContain('\tbeta\tfast\t');
    for (const p of ssm.parameters.values()) expect(out.join('\n')).not.toContain(JSON.parse(p.value).hash);
    expect(ssm.seen('GetParametersByPath')[0]?.body).toMatchObject({ Path: '/understudy/keys/clients', WithDecryption: true });

    expect(await runKeysCli(['revoke', ids[0] ?? ''], io, { client })).toBe(0);
    expect(ssm.seen('DeleteParameter')[0]?.body).toEqual({ Name: `/understudy/keys/clients/${ids[0]}` });
    expect(await runKeysCli(['revoke', ids[0] ?? ''], io, { client })).toBe(1);
    expect(err.join('\n')).toContain(`no client key ${ids[0]}`);
    expect(await runKeysCli(['revoke', '../openai'], io, { client })).toBe(1);
    expect(ssm.seen('DeleteParameter')).toHaveLength(2);
  });

  it('unknown commands and options exit 1 with usage', async () => {
    expect(await runKeysCli(['rotate'], io, { client })).toBe(1);
    expect(await runKeysCli(['list', '--pth', '/x'], io, { client })).toBe(1);
    expect(err.join('\n')).toContain('unknown option --pth');
    expect(ssm.commands).toEqual([]);
  });
});
