import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { DynamoSpendStore } from '../../functions/adapters/dynamo-spend-store.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { Budgets } from '../../functions/core/budgets/budgets.ts';
import { SpendLedger } from '../../functions/core/budgets/spend-ledger.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { startDynalite } from '../support/dynalite.ts';
import { openaiTextFrames, startFakeProvider } from '../support/fake-provider.ts';
import { startProxy } from '../support/proxy-harness.ts';
import { runNode } from '../support/run-node.ts';

const aws = (endpoint: string) => ({ AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
const document = {
  providers: { p1: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'env:TEST_KEY' } },
  prices: { 'p1/big': { input: 1_000, output: 2_000 } },
  aliases: { assistant: { targets: [{ provider: 'p1', model: 'big' }] } },
  budgets: [
    { alias: 'assistant', perDay: 0.02 },
    { clientKey: 'team-a', perMonth: 50 },
  ],
};

describe('npm run budgets', () => {
  let dynalite: Awaited<ReturnType<typeof startDynalite>>;
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(() => dynalite.close());

  it('shows each budget\'s spend from the stack\'s table', { timeout: 90_000 }, async () => {
    const client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    await createBreakerTable(client, 'cli-spend');
    const validated = validateConfig(document);
    if (!validated.ok) throw new Error(validated.errors.join('; '));
    const ledger = new SpendLedger({ store: new DynamoSpendStore({ client, table: 'cli-spend' }), clock: systemClock });
    new Budgets(validated.config.budgets!, ledger).charge({ alias: 'assistant', clientKey: 'team-a' }, 25_000_000, Date.now()); // $0.025
    await ledger.flush();
    const dir = mkdtempSync(join(tmpdir(), 'budgets-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(document));
    const shown = await runNode('functions/cli/budgets.ts', ['--table', 'cli-spend', '--config', join(dir, 'config.json')], aws(dynalite.endpoint));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/alias:assistant\/day\s+day \d{4}-\d\d-\d\d\s+0\.0250\s+0\.02\s+125 % \(spent\)/);
    expect(shown.stdout).toMatch(/key:team-a\/month\s+month \d{4}-\d\d\s+0\.0250\s+50\.00\s+0 %/);
  });

  it('shows a local server\'s in-memory spend, and says where the spend must be', { timeout: 90_000 }, async () => {
    const provider = await startFakeProvider(() => ({ kind: 'sse', frames: openaiTextFrames(['fine']) }));
    const h = await startProxy({ ...document, providers: { p1: { kind: 'openai', baseUrl: provider.baseUrl, apiKey: 'env:TEST_KEY' } } });
    try {
      await h.openai.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] });
      const shown = await runNode('functions/cli/budgets.ts', ['--url', h.proxy.url], {});
      expect(shown.code).toBe(0);
      // 11 input tokens × $1000/M + 1 output token × $2000/M = $0.013
      expect(shown.stdout).toMatch(/alias:assistant\/day\s+day \S+\s+0\.0130\s+0\.02\s+65 %/);
    } finally {
      await h.close();
      await provider.close();
    }
    const nowhere = await runNode('functions/cli/budgets.ts', [], { UNDERSTUDY_BREAKER_TABLE: '' });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('--table NAME or --url URL');
  });
});
