import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchStatusPage } from '../../functions/adapters/fetch-status-page.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { METRICS } from '../../functions/config/metric-names.ts';
import { statusPageOf, type Config } from '../../functions/config/schema.ts';
import { MemoryBreakerStore } from '../../functions/core/breaker/memory-store.ts';
import { runHealthRound } from '../../functions/core/health.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { compileConfig } from '../../functions/core/compiled-config.ts';
import { judgeSummary } from '../../functions/core/status-page.ts';
import { httpUpstream } from '../../functions/adapters/http-upstream.ts';
import { providerDialects } from '../../functions/dialects/registry.ts';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { startFakeStatuspage, type FakeStatuspage } from '../support/fake-statuspage.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

let statuspage: FakeStatuspage;
let provider: FakeProvider;

beforeAll(async () => {
  statuspage = await startFakeStatuspage({ 'Chat Completions': 'operational', Responses: 'operational', Sora: 'major_outage' });
  provider = await startFakeProvider(() => ({ kind: 'json', status: 200, body: { object: 'list', data: [] } }));
});
afterAll(async () => {
  await statuspage.close();
  await provider.close();
});

function config(extra: Record<string, unknown> = {}): Config {
  const validated = validateConfig({
    providers: {
      primary: { kind: 'openai-compatible', baseUrl: provider.baseUrl, statusPage: { url: `${statuspage.url}/api/v2/summary.json`, components: ['Chat Completions', 'Responses'] } },
      // The page never answers: unknown, not an outage.
      slow: { kind: 'openai-compatible', baseUrl: provider.baseUrl, statusPage: { url: `${statuspage.url}/hang`, components: ['API'] } },
      // Nothing listens there.
      gone: { kind: 'openai-compatible', baseUrl: provider.baseUrl, statusPage: { url: 'http://127.0.0.1:1/api/v2/summary.json', components: ['API'] } },
      plain: { kind: 'openai-compatible', baseUrl: provider.baseUrl },
      ...extra,
    },
    aliases: {
      a: { targets: [{ provider: 'primary', model: 'm' }, { provider: 'slow', model: 'm' }, { provider: 'gone', model: 'm' }, { provider: 'plain', model: 'm' }] },
    },
  });
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  return validated.config;
}

async function round(cfg: Config, telemetry = new RecordingTelemetry(), breakers = new MemoryBreakerStore({ clock: systemClock })) {
  const routes = await compileConfig(cfg, { resolve: async () => undefined }, providerDialects);
  const result = await runHealthRound({
    compiled: routes,
    breakers,
    telemetry,
    upstream: httpUpstream,
    clock: systemClock,
    streaks: new Map(),
    statusPages: fetchStatusPage,
    statusPageTimeoutMs: 300,
  });
  const gauge = (name: string) => telemetry.metrics.filter((m) => m.name === METRICS.statusPage && m.dimensions?.Provider === name).map((m) => m.value);
  return { result, telemetry, breakers, gauge };
}

describe('status pages in the health round', () => {
  it('publishes the worst state of the named components per provider; other components do not count', async () => {
    statuspage.states = { 'Chat Completions': 'operational', Responses: 'operational', Sora: 'major_outage' };
    const { result, gauge } = await round(config());
    expect(result.statusPages.get('primary')?.level).toBe('operational');
    expect(gauge('primary')).toEqual([0]);

    statuspage.states = { 'Chat Completions': 'degraded_performance', Responses: 'partial_outage', Sora: 'operational' };
    const second = await round(config());
    expect(second.result.statusPages.get('primary')).toMatchObject({
      level: 'partial',
      components: [{ name: 'Chat Completions', status: 'degraded_performance' }, { name: 'Responses', status: 'partial_outage' }],
    });
    expect(second.gauge('primary')).toEqual([2]);
  });

  it('an unreachable or silent page is unknown: no datapoint, a warning, and the round still completes', async () => {
    const { result, gauge, telemetry } = await round(config());
    expect(result.statusPages.get('slow')).toMatchObject({ level: 'unknown', error: 'no answer within 300 ms' });
    expect(result.statusPages.get('gone')?.level).toBe('unknown');
    expect(gauge('slow')).toEqual([]);
    expect(gauge('gone')).toEqual([]);
    expect(result.statusPages.has('plain')).toBe(false);
    expect(telemetry.logs.some((l) => l.message.startsWith('status page of provider gone unreadable'))).toBe(true);
    expect(result.outcomes.every((o) => o.ok)).toBe(true);
  });

  it('a major outage on the page never opens a breaker', async () => {
    statuspage.states = { 'Chat Completions': 'major_outage', Responses: 'major_outage' };
    const breakers = new MemoryBreakerStore({ clock: systemClock });
    const streaks = new Map<string, number>();
    const routes = await compileConfig(config(), { resolve: async () => undefined }, providerDialects);
    for (let i = 0; i < 3; i++) {
      await runHealthRound({ compiled: routes, breakers, telemetry: new RecordingTelemetry(), upstream: httpUpstream, clock: systemClock, streaks, statusPages: fetchStatusPage, statusPageTimeoutMs: 300 });
    }
    const primary = (await breakers.list()).find((b) => b.target === 'primary/m');
    expect(primary?.state ?? 'closed').toBe('closed');
  });

  it('probes meet injected faults: a provider with chaos errorRate 1 fails its probes and its breaker opens after two rounds', async () => {
    const cfg = validateConfig({
      providers: { flaky: { kind: 'openai-compatible', baseUrl: provider.baseUrl, chaos: { errorRate: 1, status: 503 } } },
      aliases: { a: { targets: [{ provider: 'flaky', model: 'm' }] } },
    });
    if (!cfg.ok) throw new Error(cfg.errors.join());
    const routes = await compileConfig(cfg.config, { resolve: async () => undefined }, providerDialects);
    const breakers = new MemoryBreakerStore({ clock: systemClock });
    const streaks = new Map<string, number>();
    const seen = provider.requests.length;
    const deps = { compiled: routes, breakers, telemetry: new RecordingTelemetry(), upstream: httpUpstream, clock: systemClock, streaks };
    const first = await runHealthRound(deps);
    expect(first.outcomes).toMatchObject([{ provider: 'flaky', ok: false, network: false }]);
    await runHealthRound(deps);
    expect((await breakers.list()).find((b) => b.target === 'flaky/m')?.state).toBe('open');
    // The fault stands in front of the provider: it never saw the probes.
    expect(provider.requests.length).toBe(seen);
  });
});

describe('status page settings', () => {
  it('judges by name (case-insensitive) or id; maintenance counts as degraded; a page without the components is unknown', () => {
    const page = { components: [{ id: 'x1', name: 'Chat Completions', status: 'under_maintenance' }, { id: 'x2', name: 'Batch', status: 'major_outage' }] };
    expect(judgeSummary(page, ['chat completions']).level).toBe('degraded');
    expect(judgeSummary(page, ['x2']).level).toBe('major');
    expect(judgeSummary(page, ['Renamed'])).toMatchObject({ level: 'unknown', components: [{ name: 'Renamed', status: 'missing' }] });
    expect(judgeSummary({ html: true }, ['API']).level).toBe('unknown');
  });

  it('the openai and anthropic kinds have presets (statusPage: {}); other kinds must name url and components', () => {
    const ok = validateConfig({
      providers: {
        openai: { kind: 'openai', apiKey: 'env:K', statusPage: {} },
        claude: { kind: 'anthropic', apiKey: 'env:K', statusPage: { components: ['Claude Code'] } },
      },
      aliases: { a: { targets: [{ provider: 'openai', model: 'm' }] } },
    });
    if (!ok.ok) throw new Error(ok.errors.join());
    expect(statusPageOf(ok.config.providers.openai!)).toEqual({ url: 'https://status.openai.com/api/v2/summary.json', components: ['Chat Completions', 'Responses'] });
    expect(statusPageOf(ok.config.providers.claude!)).toEqual({ url: 'https://status.claude.com/api/v2/summary.json', components: ['Claude Code'] });
    const bad = validateConfig({
      providers: { groq: { kind: 'groq', apiKey: 'env:K', statusPage: {} } },
      aliases: { a: { targets: [{ provider: 'groq', model: 'm' }] } },
    });
    expect(bad).toMatchObject({ ok: false, errors: ['providers.groq.statusPage: kind "groq" has no status page preset: give url and components'] });
  });
});
