import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
