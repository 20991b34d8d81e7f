import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { startLocalServer, type LocalServer } from '../../functions/local/server.ts';
import { generateAdminKey } from '../../functions/core/operator-auth.ts';
import { rawRequest } from '../support/raw-http.ts';
import { openaiTextFrames, startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';

/**
 * The live status page in a real headless browser: Chromium from Debian packages, driven by
 * puppeteer-core. Never skipped: without Chromium the suite fails and says how to install it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const PROMPT = 'please-never-show-this-prompt';
const ANSWER = 'never-show-this-answer';

let browser: Browser;
let server: LocalServer;
let primary: FakeProvider;
let fallback: FakeProvider;

beforeAll(async () => {
  if (!CHROMIUM) {
    throw new Error('Chromium is needed for the status page test and was not found. Install it: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)');
  }
  primary = await startFakeProvider(() => ({ kind: 'sse', frames: openaiTextFrames([ANSWER]) }));
  fallback = await startFakeProvider(() => ({ kind: 'sse', frames: openaiTextFrames([ANSWER]) }));
  const validated = validateConfig({
    providers: {
      primary: { kind: 'openai-compatible', baseUrl: primary.baseUrl },
      fallback: { kind: 'openai-compatible', baseUrl: fallback.baseUrl, chaos: { latencyMs: 1 } },
    },
    aliases: {
      'default-model': { targets: [{ provider: 'primary', model: 'm1' }, { provider: 'fallback', model: 'm2' }] },
      other: { targets: [{ provider: 'fallback', model: 'm2' }] },
    },
  });
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  server = await startLocalServer({ config: validated.config, telemetry: new ConsoleTelemetry({ quiet: true }) });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await Promise.all([primary?.close(), fallback?.close()]);
});

async function ask(): Promise<void> {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default-model', stream: true, messages: [{ role: 'user', content: PROMPT }] }),
  });
  await response.text();
}

describe('the live status page', () => {
  it('renders the aliases and their targets in order, the last attempts and the faults, without any prompt or answer', { timeout: 60_000 }, async () => {
    await ask();
    const page = await browser.newPage();
    await page.setViewport({ width: 390, height: 844 }); // a phone
    await page.goto(`${server.url}/status`);
    await page.waitForSelector('[data-alias="default-model"] [data-target="primary/m1"]');
    const targets = await page.$$eval('[data-alias="default-model"] [data-target]', (rows) => rows.map((r) => (r as HTMLElement).dataset.target));
    expect(targets).toEqual(['primary/m1', 'fallback/m2']);
    expect(await page.$$eval('[data-alias]', (boxes) => boxes.map((b) => (b as HTMLElement).dataset.alias))).toEqual(['default-model', 'other']);
    await page.waitForFunction(() => document.getElementById('attempts')?.textContent?.includes('primary/m1'));
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain('100 %'); // primary/m1 served all of default-model's traffic
    expect(text).toContain('"latencyMs":1'); // the fault on fallback
    expect(text).not.toContain(PROMPT);
    expect(text).not.toContain(ANSWER);
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('a breaker forced open by a drill shows up within 2 s, with its reopen countdown or forced state', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/status`);
    await page.waitForSelector('[data-alias="default-model"] [data-target="primary/m1"][data-state="closed"]');
    const forced = await fetch(`${server.url}/admin/breakers/primary/m1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'open' }) });
    expect(forced.status).toBe(200);
    await page.waitForSelector('[data-alias="default-model"] [data-target="primary/m1"][data-state="open"]', { timeout: 2_000 });
    expect(await page.$eval('[data-alias="default-model"] [data-target="primary/m1"]', (row) => row.textContent)).toContain('forced open');
    await fetch(`${server.url}/admin/breakers/primary/m1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'auto' }) });
    await page.close();
  });

  it('is an operator route: only GET, the data refused off a loopback Host, the page itself open', async () => {
    expect((await fetch(`${server.url}/status`, { method: 'POST' })).status).toBe(405);
    const json = (await (await fetch(`${server.url}/status.json`)).json()) as { aliases: { name: string }[] };
    expect(json.aliases.map((a) => a.name)).toEqual(['default-model', 'other']);
    const port = new URL(server.url).port;
    for (const path of ['/status/events', '/status.json']) {
      expect((await rawRequest(server.url, { path, headers: { host: `localhost.evil.example:${port}` } })).status, path).toBe(403);
    }
  });
});

describe('the live status page behind an admin key (as on the function URL)', () => {
  const adminKey = generateAdminKey();
  let locked: LocalServer;

  beforeAll(async () => {
    const validated = validateConfig({
      providers: { primary: { kind: 'openai-compatible', baseUrl: primary.baseUrl } },
      aliases: { 'default-model': { targets: [{ provider: 'primary', model: 'm1' }] } },
    });
    if (!validated.ok) throw new Error(validated.errors.join('; '));
    locked = await startLocalServer({ config: validated.config, adminKey, telemetry: new ConsoleTelemetry({ quiet: true }) });
  });
  afterAll(() => locked?.close());

  it('asks for the key, refuses a wrong one, shows the data with the right one, keeps it out of the URL, and forgets it', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const requested: { url: string; authorization?: string }[] = [];
    page.on('request', (r) => requested.push({ url: r.url(), ...(r.headers().authorization ? { authorization: r.headers().authorization } : {}) }));
    await page.goto(`${locked.url}/status`);
    // The page holds no data: it asks.
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.$('[data-alias]')).toBeNull();
    expect(await page.$('#board[hidden]')).not.toBeNull();
    expect(await page.$eval('#why', (e) => e.textContent)).toContain('admin');

    await page.type('#key', generateAdminKey());
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() => document.getElementById('why')?.textContent?.includes('Invalid admin key'));
    expect(await page.$('#login[hidden]')).toBeNull();
    expect(await page.$('[data-alias]')).toBeNull();

    await page.type('#key', adminKey);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('[data-alias="default-model"] [data-target="primary/m1"][data-state="closed"]');
    expect(await page.$eval('#link', (e) => e.textContent)).toBe('live');
    expect(await page.$eval('#key', (e) => (e as HTMLInputElement).value)).toBe(''); // not left in the form

    // The key went in a header of the event stream's request, and never into a URL.
    expect(requested.some((r) => r.url.endsWith('/status/events') && r.authorization === `Bearer ${adminKey}`)).toBe(true);
    expect(requested.every((r) => !r.url.includes(adminKey))).toBe(true);
    expect(page.url()).toBe(`${locked.url}/status`);

    // A reload in the same tab keeps it (sessionStorage), with no form.
    await page.reload();
    await page.waitForSelector('[data-alias="default-model"] [data-target="primary/m1"]');
    expect(await page.$('#login[hidden]')).not.toBeNull();

    // A breaker forced with the key shows up within 2 s.
    const forced = await fetch(`${locked.url}/admin/breakers/primary/m1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ mode: 'open' }),
    });
    expect(forced.status).toBe(200);
    await page.waitForSelector('[data-alias="default-model"] [data-target="primary/m1"][data-state="open"]', { timeout: 2_000 });

    await page.click('#forget');
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.$('[data-alias]')).toBeNull();
    expect(await page.$('#board[hidden]')).not.toBeNull();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });
});
