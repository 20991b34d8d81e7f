import { existsSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { DynamoBreakerStore } from '../../functions/adapters/dynamo-breaker-store.ts';
import { generateAdminKey, hashAdminKey } from '../../functions/core/operator-auth.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { startDynalite } from '../support/dynalite.ts';
import { openaiTextFrames, startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { stubLambdaEnvironment } from '../support/lambda-environment.ts';
import { serveFunctionUrl } from '../support/function-url.ts';

/**
 * The deployed status page in a real headless browser: the exported Lambda handler behind a
 * function URL stand-in on loopback (test/support/function-url.ts streams its response as it is
 * written), a fake Parameter Store holding the admin key's hash and a dynalite breaker table. The
 * same page as the local server's: it asks for the key, then draws the table's breakers live.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const TABLE = 'understudy-status-browser';
const KEYS_PATH = '/understudy/keys';
const adminKey = generateAdminKey();

let browser: Browser;
let ssm: FakeSsm;
let dynalite: { endpoint: string; close(): Promise<void> };
let provider: FakeProvider;
let functionUrl: { url: string; close(): Promise<void> };
let operator: DynamoBreakerStore;

beforeAll(async () => {
  if (!CHROMIUM) {
    throw new Error('Chromium is needed for the status page test and was not found. Install it: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)');
  }
  ssm = await new FakeSsm().start();
  dynalite = await startDynalite();
  const dynamo = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await createBreakerTable(dynamo, TABLE);
  operator = new DynamoBreakerStore({ client: dynamo, table: TABLE, clock: systemClock, timeoutMs: 5_000 });
  provider = await startFakeProvider(() => ({ kind: 'sse', frames: openaiTextFrames(['hello']) }));
  const config = {
    providers: { primary: { kind: 'openai', baseUrl: provider.baseUrl, apiKey: `ssm:${KEYS_PATH}/primary` } },
    aliases: { 'default-model': { targets: [{ provider: 'primary', model: 'gpt-4o' }] } },
  };
  ssm.put('/understudy/config', JSON.stringify(config));
  ssm.put(`${KEYS_PATH}/primary`, 'sk-primary', 'SecureString');
  ssm.put(`${KEYS_PATH}/operator/admin`, JSON.stringify({ hash: hashAdminKey(adminKey), created: new Date().toISOString() }), 'SecureString');
  stubLambdaEnvironment({ config: config, table: TABLE, keysPath: KEYS_PATH, ssmUrl: ssm.url, dynamoEndpoint: dynalite.endpoint });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const { handler } = await import('../../functions/proxy/handler.ts');
  functionUrl = await serveFunctionUrl(handler as never);
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await functionUrl?.close();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await Promise.all([provider?.close(), ssm?.close(), dynalite?.close()]);
});

describe('the status page on the function URL, in a browser', () => {
  it('asks for the admin key, then shows the table breakers live, labelled as one instance’s view', { timeout: 60_000 }, async () => {
    // A target no config names any more, left open in the table: the page lists it too.
    await operator.force('retired/old-model', 'open');
    const page = await browser.newPage();
    await page.setViewport({ width: 390, height: 844 });
    await page.goto(`${functionUrl.url}/status`);
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.$('[data-alias]')).toBeNull();

    await page.type('#key', adminKey);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('[data-alias="default-model"] [data-target="primary/gpt-4o"][data-state="closed"]');
    expect(await page.$eval('#scope', (e) => e.textContent)).toContain('this Lambda instance only');
    expect(await page.$eval('#pages', (e) => e.textContent)).toContain('health checker');

    await page.waitForSelector('#others [data-target="retired/old-model"][data-state="open"]');

    // An operator forces the primary open in the table (`npm run breakers -- force-open --table`):
    // it shows up within 2 s, on a stream already open.
    await operator.force('primary/gpt-4o', 'open');
    await page.waitForSelector('[data-alias="default-model"] [data-target="primary/gpt-4o"][data-state="open"]', { timeout: 2_000 });
    expect(await page.$eval('[data-target="primary/gpt-4o"]', (row) => row.textContent)).toContain('forced open');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await operator.force('primary/gpt-4o', 'auto');
    await page.close();
  });
});
