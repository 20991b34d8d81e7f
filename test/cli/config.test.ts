import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runConfigCli } from '../../functions/cli/config.ts';
import { loadDeployConfig } from '../../infra/config-document.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { runNode } from '../support/run-node.ts';

const SMALL = `
providers:
  openai: { kind: openai, apiKey: ssm:/understudy/keys/openai }
aliases:
  fast:
    targets:
      - { provider: openai, model: gpt-4o-mini }
`;

function big(aliases: number): string {
  const lines = ['providers:', '  openai: { kind: openai, apiKey: ssm:/understudy/keys/openai }', 'aliases:'];
  for (let i = 0; i < aliases; i++) lines.push(`  alias-${i}:`, '    targets:', `      - { provider: openai, model: a-rather-long-model-name-for-padding-${i} }`);
  return lines.join('\n');
}

describe('npm run config', () => {
  let ssm: FakeSsm;
  let client: SSMClient;
  let dir: string;
  let out: string[];
  let err: string[];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };

  beforeEach(async () => {
    ssm = await new FakeSsm().start();
    client = new SSMClient({ endpoint: ssm.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    dir = mkdtempSync(join(tmpdir(), 'understudy-config-'));
    out = [];
    err = [];
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ssm.close();
  });

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('validate prints OK for a valid file', async () => {
    const path = file('ok.yaml', SMALL);
    expect(await runConfigCli(['validate', path], io, client)).toBe(0);
    expect(out[0]).toMatch(/^OK: .*ok\.yaml is valid \(\d+ bytes as JSON\)$/);
    expect(ssm.commands).toEqual([]);
  });

  it('validate prints every error with its path and exits 1', async () => {
    const path = file('bad.yaml', `${SMALL}      - { provider: opnai, model: x }\npolicy: { maxAttempts: 0 }\n`);
    expect(await runConfigCli(['validate', path], io, client)).toBe(1);
    const text = err.join('\n');
    expect(text).toContain('aliases.fast.targets[1].provider: unknown provider "opnai"');
    expect(text).toContain('policy.maxAttempts:');
  });

  it('validate refuses a key reference outside the keys path', async () => {
    const path = file('outside.yaml', SMALL.replace('/understudy/keys/openai', '/other/openai'));
    expect(await runConfigCli(['validate', path], io, client)).toBe(1);
    expect(err.join('\n')).toContain('providers.openai.apiKey: ssm:/other/openai is outside the keys path /understudy/keys/');
    expect(await runConfigCli(['validate', path, '--keys-path', '/other'], io, client)).toBe(0);
  });

  it('push writes the same JSON the deploy bundles, as a Standard String, overwriting', async () => {
    const path = file('small.yaml', SMALL);
    expect(await runConfigCli(['push', path], io, client)).toBe(0);
    expect(ssm.commands).toEqual([
      { target: 'PutParameter', body: { Name: '/understudy/config', Value: loadDeployConfig(path, '/understudy/keys').json, Type: 'String', Overwrite: true, Tier: 'Standard' } },
    ]);
    expect(await runConfigCli(['push', path, '--parameter', '/staging/config'], io, client)).toBe(0);
    expect(ssm.parameters.get('/staging/config')?.version).toBe(1);
    expect(ssm.parameters.get('/understudy/config')?.version).toBe(1);
  });

  it('push uses the Advanced tier above 4 KB', async () => {
    const path = file('big.yaml', big(45));
    const bytes = loadDeployConfig(path, '/understudy/keys').bytes;
    expect(bytes).toBeGreaterThan(4096);
    expect(bytes).toBeLessThanOrEqual(8192);
    expect(await runConfigCli(['push', path], io, client)).toBe(0);
    expect(ssm.seen('PutParameter')[0]?.body).toMatchObject({ Tier: 'Advanced', Type: 'String', Overwrite: true });
    expect(ssm.parameters.get('/understudy/config')?.tier).toBe('Advanced');
  });

  it('push refuses a document over 8 KB before calling SSM', async () => {
    const path = file('huge.yaml', big(120));
    expect(await runConfigCli(['push', path], io, client)).toBe(1);
    expect(err.join('\n')).toContain('over the 8192-byte limit');
    expect(ssm.commands).toEqual([]);
  });

  it('push refuses an invalid file without calling SSM, and reports SSM errors', async () => {
    const bad = file('bad.yaml', 'providers: {}\naliases: { a: { targets: [ { provider: x, model: m } ] } }\n');
    expect(await runConfigCli(['push', bad], io, client)).toBe(1);
    expect(ssm.commands).toEqual([]);
    ssm.failNext(1, 'throttle');
    expect(await runConfigCli(['push', file('ok.yaml', SMALL)], io, client)).toBe(1);
    expect(err.join('\n')).toContain('cannot write /understudy/config: ThrottlingException: Rate exceeded');
  });

  it('usage errors and unknown options exit 1', async () => {
    expect(await runConfigCli([], io, client)).toBe(1);
    expect(await runConfigCli(['push'], io, client)).toBe(1);
    expect(await runConfigCli(['push', file('ok.yaml', SMALL), '--paramter', '/x'], io, client)).toBe(1);
    expect(err.join('\n')).toContain('unknown option --paramter');
    expect(ssm.commands).toEqual([]);
  });

  it('as a process, reads the SSM endpoint and region from the standard AWS environment', async () => {
    const path = file('ok.yaml', SMALL);
    const result = await runNode('functions/cli/config.ts', ['push', path, '--parameter', '/p/config'], {
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('pushed');
    expect(ssm.parameters.get('/p/config')?.value).toBe(loadDeployConfig(path, '/understudy/keys').json);
  });
});
