import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runBreakersCli } from '../../functions/cli/breakers.ts';
import { writeConfig } from '../infra/stack-fixture.ts';
import { startDynalite } from '../support/dynalite.ts';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { startProxy, type Harness } from '../support/proxy-harness.ts';
import { runNode } from '../support/run-node.ts';

const aws = (endpoint: string) => ({ AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });

describe('npm run breakers against a DynamoDB table', () => {
  let dynalite: Awaited<ReturnType<typeof startDynalite>>;
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(() => dynalite.close());

  it('creates a table, forces a target open, lists it, and sets it back to auto', async () => {
    const env = aws(dynalite.endpoint);
    const created = await runNode('functions/cli/breakers.ts', ['create-table', 'cli-breakers'], env);
    expect(created).toMatchObject({ code: 0, stdout: 'created table cli-breakers\n' });
    expect((await runNode('functions/cli/breakers.ts', ['create-table', 'cli-breakers'], env)).stdout).toContain('already exists');

    const forced = await runNode('functions/cli/breakers.ts', ['force-open', 'openai/gpt-4o', '--table', 'cli-breakers'], env);
    expect(forced).toMatchObject({ code: 0, stdout: 'openai/gpt-4o: forced open\n' });
    const listed = await runNode('functions/cli/breakers.ts', ['list', '--table', 'cli-breakers', '--config', 'understudy.config.yaml'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/openai\/gpt-4o\s+closed \(forced open\)/);
    expect(listed.stdout).toMatch(/anthropic\/claude-sonnet-4-5\s+closed/);

    await runNode('functions/cli/breakers.ts', ['auto', 'openai/gpt-4o', '--table', 'cli-breakers'], env);
    const after = await runNode('functions/cli/breakers.ts', ['list', '--table', 'cli-breakers'], env);
    expect(after.stdout).toMatch(/openai\/gpt-4o\s+closed\s/);
    // Six CLI processes, each starting Node and the AWS SDK: on two shared cores that takes a while.
  }, 90_000);

  it('lists every target the table holds, configured or not, in the config\'s order first; --watch refreshes', { timeout: 120_000 }, async () => {
    const env = aws(dynalite.endpoint);
    await runNode('functions/cli/breakers.ts', ['create-table', 'cli-listed'], env);
    await runNode('functions/cli/breakers.ts', ['force-open', 'ghost/not-configured', '--table', 'cli-listed'], env);
    await runNode('functions/cli/breakers.ts', ['force-closed', 'b/second', '--table', 'cli-listed'], env);
    const config = writeConfig(`providers:\n  a: { kind: ollama }\n  b: { kind: ollama }\naliases:\n  x: { targets: [{ provider: b, model: second }, { provider: a, model: first }] }\n`);
    const listed = await runNode('functions/cli/breakers.ts', ['list', '--table', 'cli-listed', '--config', config], env);
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[0]);
    expect(rows).toEqual(['b/second', 'a/first', 'ghost/not-configured']);
    expect(listed.stdout).toMatch(/b\/second\s+closed \(forced closed\)/);
    expect(listed.stdout).toMatch(/ghost\/not-configured\s+closed \(forced open\)/);
    // Without a config, the table alone.
    const bare = await runNode('functions/cli/breakers.ts', ['list', '--table', 'cli-listed', '--config', '/nonexistent.yaml'], env);
    expect(bare.stdout).toContain('ghost/not-configured');
    expect(bare.stdout).not.toContain('a/first');

    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const controller = new AbortController();
    const screens: string[] = [];
    const code = await runBreakersCli(
      ['list', '--table', 'cli-listed', '--watch', '--interval-ms', '100', '--config', config],
      { out: (line) => { screens.push(line); if (screens.length === 2) controller.abort(); }, err: () => {} },
      env,
      controller.signal,
    );
    vi.unstubAllEnvs();
    expect(code).toBe(0);
    expect(screens).toHaveLength(2);
    for (const screen of screens) expect(screen).toContain('ghost/not-configured');
  });

  it('refuses a malformed target and says where the breakers must be', async () => {
    const env = aws(dynalite.endpoint);
    expect((await runNode('functions/cli/breakers.ts', ['force-open', 'no-slash', '--table', 't1x'], env)).code).toBe(1);
    const nowhere = await runNode('functions/cli/breakers.ts', ['list'], { ...env, UNDERSTUDY_BREAKER_TABLE: '' });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('--table NAME or --url URL');
  });
});

describe('npm run breakers against a running local server', () => {
  let provider: FakeProvider;
  let harness: Harness;
  beforeAll(async () => {
    provider = await startFakeProvider(() => ({ kind: 'json', status: 200, body: {} }));
    harness = await startProxy({
      providers: { p1: { kind: 'openai', baseUrl: provider.baseUrl, apiKey: 'env:TEST_KEY' } },
      aliases: { 'default-model': { targets: [{ provider: 'p1', model: 'm1' }] } },
    });
  });
  afterAll(async () => {
    await harness.close();
    await provider.close();
  });

  it('forces through the admin API and lists the result', async () => {
    const forced = await runNode('functions/cli/breakers.ts', ['force-open', 'p1/m1', '--url', harness.proxy.url], {});
    expect(forced.code).toBe(0);
    const listed = await runNode('functions/cli/breakers.ts', ['list', '--url', harness.proxy.url], {});
    expect(listed.stdout).toMatch(/p1\/m1\s+closed \(forced open\)/);
    expect((await harness.proxy.breakers.admit('p1/m1', harness.proxy.compiled.config.policy.breaker, 1000)).decision).toBe('skip');
  });
});
