import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emfLineTelemetry, lineFile } from '../../functions/adapters/emf-lines.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { describe, expect, it } from 'vitest';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';
import { envSecrets } from '../../functions/adapters/env-secrets.ts';
import { runDrillCli } from '../../functions/cli/drill.ts';
import { validateConfig } from '../../functions/config/load.ts';
import type { DrillReport } from '../../functions/drill/report.ts';
import { startLocalServer, type LocalServer } from '../../functions/local/server.ts';
import { openaiError, openaiTextFrames, startFakeProvider, type Behavior, type FakeProvider } from '../support/fake-provider.ts';
import { onCleanup, useCleanups } from '../support/cleanups.ts';

/**
 * `npm run drill` against the local server with fake providers on loopback: the real CLI entry,
 * the real HTTP paths, the real breaker on a real clock (with short open periods).
 */

useCleanups();

const ok = (text: string): Behavior => ({ kind: 'sse', frames: openaiTextFrames([text]) });

async function provider(script: (index: number) => Behavior): Promise<FakeProvider> {
  const p = await startFakeProvider((_, index) => script(index));
  onCleanup(() => p.close());
  return p;
}

interface Setup {
  server: LocalServer;
  primary: FakeProvider;
  fallback: FakeProvider;
}

async function setUp(options: { primary?: (index: number) => Behavior; fallback?: (index: number) => Behavior; otherAliasOnPrimary?: boolean } = {}): Promise<Setup> {
  const primary = await provider(options.primary ?? (() => ok('primary')));
  const fallback = await provider(options.fallback ?? (() => ok('fallback')));
  const document = {
    providers: {
      'openai-drill': { kind: 'openai', baseUrl: primary.baseUrl, apiKey: 'env:TEST_KEY' },
      backup: { kind: 'openai', baseUrl: fallback.baseUrl, apiKey: 'env:TEST_KEY' },
    },
    aliases: {
      drill: { targets: [{ provider: 'openai-drill', model: 'gpt-4o-mini' }, { provider: 'backup', model: 'llama-3.3-70b' }] },
      ...(options.otherAliasOnPrimary ? { production: { targets: [{ provider: 'openai-drill', model: 'gpt-4o' }] } } : {}),
    },
    // Short open periods keep the recovery step to a fraction of a second.
    policy: { breaker: { consecutiveFailures: 3, openMs: 200, maxOpenMs: 400 } },
  };
  const validated = validateConfig(document);
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  const server = await startLocalServer({ config: validated.config, secrets: envSecrets({ TEST_KEY: 'sk-test' }), telemetry: new ConsoleTelemetry({ quiet: true }) });
  onCleanup(() => server.close());
  return { server, primary, fallback };
}

async function drill(url: string, extra: string[] = [], signal?: AbortSignal): Promise<{ code: number; report: DrillReport; text: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDrillCli(['--url', url, '--alias', 'drill', '--interval-ms', '50', '--json', ...extra], {
    io: { out: (line) => out.push(line), err: (line) => err.push(line) },
    env: {},
    ...(signal ? { signal } : {}),
  });
  return { code, report: JSON.parse(out.join('\n')) as DrillReport, text: err.join('\n') };
}

const stepNames = (report: DrillReport) => report.steps.map((s) => `${s.step}:${s.status}`);
const details = (report: DrillReport, step: string) => report.steps.find((s) => s.step === step)?.checks.map((c) => `${c.status} ${c.detail}`) ?? [];

describe('npm run drill against the local server', () => {
  it('passes on a working chain: baseline, fault, breaker, streaming, probe, recovery; the fault is gone after', async () => {
    const { server, primary } = await setUp();
    const { code, report, text } = await drill(server.url);
    expect(stepNames(report), text).toEqual(['preflight:pass', 'baseline:pass', 'fault:pass', 'streaming:pass', 'recovery:pass']);
    expect(code).toBe(0);
    expect(report).toMatchObject({ alias: 'drill', primary: 'openai-drill/gpt-4o-mini', fallbacks: ['backup/llama-3.3-70b'], passed: true, interrupted: false });
    expect(details(report, 'baseline')).toEqual(['pass 3/3 requests answered by the primary openai-drill/gpt-4o-mini']);
    expect(details(report, 'fault')).toContain('pass the breaker of openai-drill/gpt-4o-mini opened after 3 failed attempts on it (expected at most 3)');
    expect(details(report, 'fault').some((d) => /^pass \d+\/\d+ requests answered 200 by the fallback \(backup\/llama-3\.3-70b\)$/.test(d))).toBe(true);
    expect(details(report, 'streaming')[0]).toMatch(/^pass a streamed answer arrived complete in the client's format, served by backup\/llama-3.3-70b/);
    expect(details(report, 'recovery')[0]).toBe('pass fault removed from provider "openai-drill"');
    expect(details(report, 'recovery')[1]).toMatch(/^pass a half-open probe of openai-drill\/gpt-4o-mini succeeded/);
    expect(details(report, 'recovery')[2]).toMatch(/^pass the primary openai-drill\/gpt-4o-mini serves again/);
    // The text report went to stderr beside the JSON, step by step.
    expect(text).toContain('✓ fault');
    expect(text).toContain('PASSED: the failover path works');

    expect(server.compiled.config.providers['openai-drill']?.chaos).toBeUndefined();
    // The baseline, then the probe and one more in recovery: the injected fault answers before the
    // upstream call, so the primary never saw the failing requests.
    expect(primary.requests.length).toBe(3 + 2);
  });

  it('--fault breaker forces the primary open instead of failing it, then sets it back to auto; --emf-file prints the alarm timeline', { timeout: 180_000 }, async () => {
    const { server, primary } = await setUp();
    const emfFile = join(mkdtempSync(join(tmpdir(), 'understudy-drill-emf-')), 'emf.log');
    // The server's metrics as EMF lines, as npm start -- --emf-file writes them.
    const file = lineFile(emfFile);
    onCleanup(() => file.close());
    const emf = emfLineTelemetry(file.write, systemClock);
    const { code, report, text } = await drill(server.url, ['--fault', 'breaker']);
    expect(stepNames(report), text).toEqual(['preflight:pass', 'baseline:pass', 'fault:pass', 'streaming:pass', 'recovery:pass']);
    expect(code).toBe(0);
    expect(details(report, 'fault')[0]).toBe('pass breaker of openai-drill/gpt-4o-mini forced open through ' + `${server.url}/admin/breakers`);
    expect(details(report, 'fault')).toContain('pass the breaker of openai-drill/gpt-4o-mini opened after 0 failed attempts on it (expected at most 3)');
    expect(details(report, 'recovery')[0]).toBe('pass breaker of openai-drill/gpt-4o-mini back on auto');
    // Nothing failed: the primary saw the baseline and the recovery requests only, all answered.
    expect(primary.requests.length).toBe(3 + 2);
    expect((await server.breakers.list()).find((b) => b.target === 'openai-drill/gpt-4o-mini')?.forced).toBe('auto');

    // A request recorded as EMF, then the drill's replay of the stack's alarms over the file.
    emf.request({ requestId: 'r', ingress: 'openai', alias: 'drill', stream: false, status: 200, attempts: [], durationMs: 1 });
    await file.close();
    const replayed = await drill(server.url, ['--fault', 'breaker', '--emf-file', emfFile, '--baseline', '1']);
    expect(replayed.text).toContain('alarm timeline');
    expect(replayed.text).toMatch(/alarms replayed over \d+ datapoints/);
  });

  it('speaks the Anthropic format too, translated by the proxy', async () => {
    const { server } = await setUp();
    const { code, report } = await drill(server.url, ['--dialect', 'anthropic']);
    expect(stepNames(report)).toEqual(['preflight:pass', 'baseline:pass', 'fault:pass', 'streaming:pass', 'recovery:pass']);
    expect(code).toBe(0);
  });

  it('fails when the fallback cannot serve, says why, and still removes the fault', async () => {
    const { server } = await setUp({ fallback: () => openaiError(503, 'overloaded', 'server_error') });
    const { code, report, text } = await drill(server.url);
    expect(code).toBe(1);
    expect(report.passed).toBe(false);
    expect(report.steps.find((s) => s.step === 'fault')?.status).toBe('fail');
    expect(details(report, 'fault').some((d) => d.startsWith('fail ') && d.includes('requests failed during the fault'))).toBe(true);
    expect(details(report, 'streaming')[0]).toMatch(/^fail the streamed request was 503/);
    expect(text).toContain('FAILED: fault, streaming');
    expect(server.compiled.config.providers['openai-drill']?.chaos).toBeUndefined();
  });

  it('injects nothing when the primary does not serve to begin with', async () => {
    const { server } = await setUp({ primary: () => openaiError(503, 'overloaded', 'server_error') });
    const before = server.compiled;
    const { code, report } = await drill(server.url);
    expect(code).toBe(1);
    expect(stepNames(report)).toEqual(['preflight:pass', 'baseline:fail', 'fault:skipped', 'streaming:skipped', 'recovery:skipped']);
    expect(details(report, 'baseline')).toContain('fail no fault injected: the primary must serve before the drill can prove the failover');
    expect(server.compiled).toBe(before);
  });

  it('refuses to fault a provider that other aliases use, unless told it is a game day', async () => {
    const { server, primary } = await setUp({ otherAliasOnPrimary: true });
    const refused = await drill(server.url);
    expect(refused.code).toBe(1);
    expect(details(refused.report, 'preflight')[0]).toMatch(/^fail provider "openai-drill" also serves "production": the fault would fail their traffic too/);
    expect(primary.requests).toHaveLength(0);

    const gameDay = await drill(server.url, ['--allow-shared']);
    expect(details(gameDay.report, 'preflight')[0]).toBe('warn provider "openai-drill" also serves production: their traffic fails over too during the drill');
    expect(gameDay.code).toBe(0);
  });

  it('removes at once a fault that an earlier, killed drill left behind, then drills', async () => {
    const { server } = await setUp();
    const document = structuredClone(server.compiled.config) as { providers: Record<string, Record<string, unknown>> };
    document.providers['openai-drill']!.chaos = { errorRate: 1, status: 503 };
    expect((await fetch(`${server.url}/admin/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(document) })).status).toBe(200);
    const { code, report } = await drill(server.url);
    expect(details(report, 'preflight')).toContain('warn a fault left on "openai-drill" by an earlier drill was removed first');
    expect(code).toBe(0);
    expect(server.compiled.config.providers['openai-drill']?.chaos).toBeUndefined();
  });

  it('usage errors exit 2 and name the problem', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (line: string) => err.push(line) };
    expect(await runDrillCli([], { io, env: {} })).toBe(2);
    expect(err.join('\n')).toContain('missing --url');
    expect(await runDrillCli(['--url', 'http://127.0.0.1:1', '--dialect', 'gemini'], { io, env: {} })).toBe(2);
    expect(await runDrillCli(['--url', 'http://127.0.0.1:1', '--bogus'], { io, env: {} })).toBe(2);
  });
});

describe('interrupting a drill restores the configuration', () => {
  /**
   * The fault step sends the fallback exactly three requests (the first after the quiet primary's
   * one retry, the second failing over at once, then one with the breaker open); the fourth is the
   * streaming step's. It never gets an answer, so the drill sits there with the fault in place.
   */
  const stuckStreams = (index: number): Behavior => (index >= 3 ? { kind: 'silent' } : ok('fallback'));
  const streamReached = async (fallback: FakeProvider) => {
    for (let i = 0; i < 400 && fallback.requests.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('in process: an abort stops the drill, removes the fault, and reports it as interrupted', async () => {
    const { server, fallback } = await setUp({ fallback: stuckStreams });
    const controller = new AbortController();
    const running = drill(server.url, [], controller.signal);
    await streamReached(fallback);
    expect(server.compiled.config.providers['openai-drill']?.chaos).toMatchObject({ errorRate: 1 });
    controller.abort();
    const { code, report } = await running;
    expect(code).toBe(130);
    expect(report.interrupted).toBe(true);
    expect(stepNames(report)).toEqual(['preflight:pass', 'baseline:pass', 'fault:pass', 'streaming:fail', 'restore:pass']);
    expect(server.compiled.config.providers['openai-drill']?.chaos).toBeUndefined();
  });

  it('Ctrl-C on the CLI process: SIGINT removes the fault before it exits', async () => {
    const { server, fallback } = await setUp({ fallback: stuckStreams });
    const child = spawn('node_modules/.bin/node', ['functions/cli/drill.ts', '--url', server.url, '--alias', 'drill', '--interval-ms', '50'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await streamReached(fallback);
    expect(server.compiled.config.providers['openai-drill']?.chaos).toMatchObject({ errorRate: 1 });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain('interrupted: stopping the drill and restoring the configuration');
    expect(output).toContain('✓ restore');
    expect(output).toContain('INTERRUPTED');
    expect(server.compiled.config.providers['openai-drill']?.chaos).toBeUndefined();
  });
});
