import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SsmConfigSource, type SsmConfigSourceOptions } from '../../functions/adapters/ssm-config-source.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { METRICS } from '../../functions/config/metric-names.ts';
import type { Config } from '../../functions/config/schema.ts';
import { sealedJson } from '../../functions/config/seal.ts';
import { SEAL_FIELD, sealOf } from '../../functions/config/sealed.ts';
import { FakeSsm } from '../support/fake-ssm.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RecordingTelemetry } from '../support/recording-telemetry.ts';

const PARAMETER = '/understudy/config';

function doc(model: string): unknown {
  return { providers: { o: { kind: 'openai', apiKey: 'env:K' } }, aliases: { a: { targets: [{ provider: 'o', model }] } } };
}

function validated(model: string): Config {
  const result = validateConfig(doc(model));
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
}

const modelOf = (config: Config): string | undefined => config.aliases.a?.targets[0]?.model;

describe('SsmConfigSource', () => {
  let ssm: FakeSsm;
  let telemetry: RecordingTelemetry;
  let clock: ManualClock;
  let changes: Config[];

  beforeEach(async () => {
    ssm = await new FakeSsm().start();
    telemetry = new RecordingTelemetry();
    clock = new ManualClock({ frozen: true });
    changes = [];
  });
  afterEach(() => ssm.close());

  function options(extra: Partial<SsmConfigSourceOptions> = {}): SsmConfigSourceOptions {
    return {
      client: ssm.calls(),
      parameterName: PARAMETER,
      bundled: JSON.stringify(validated('bundled')),
      telemetry,
      clock,
      random: () => 0.5,
      coldStartWaitMs: 2000,
      onChange: (config) => changes.push(config),
      ...extra,
    };
  }

  it('cold start with SSM up serves the parameter, read with exactly one GetParameter', async () => {
    ssm.put(PARAMETER, JSON.stringify(validated('from-ssm')));
    const source = await SsmConfigSource.create(options());
    expect(modelOf(source.current())).toBe('from-ssm');
    expect(ssm.commands).toEqual([{ target: 'GetParameter', body: { Name: PARAMETER } }]);
    expect(source.currentVersion()).toBe(1);
  });

  it('cold start with SSM failing serves the bundled copy and reports degradation', async () => {
    ssm.failNext(1, 'error500');
    const source = await SsmConfigSource.create(options());
    expect(modelOf(source.current())).toBe('bundled');
    expect(telemetry.count(METRICS.configSourceDegraded)).toBe(1);
    expect(telemetry.metrics[0]?.name).toBe('ConfigSourceDegraded');
  });

  it('cold start with SSM hanging waits only the cold-start bound, then serves the bundled copy', async () => {
    ssm.failNext(1, 'hang');
    const source = await SsmConfigSource.create(options({ coldStartWaitMs: 50 }));
    expect(modelOf(source.current())).toBe('bundled');
    ssm.releaseHanging();
    expect(await source.refresh()).toBe('failed');
    expect(modelOf(source.current())).toBe('bundled');
  });

  it('cold start with the parameter missing serves the bundled copy', async () => {
    const source = await SsmConfigSource.create(options());
    expect(modelOf(source.current())).toBe('bundled');
    expect(telemetry.count(METRICS.configSourceDegraded)).toBe(1);
  });

  it('refuses an invalid bundled copy (a broken deploy must not start)', async () => {
    await expect(SsmConfigSource.create(options({ bundled: '{"providers":{},"aliases":{"a":{"targets":[{"provider":"nope","model":"m"}]}}}' }))).rejects.toThrow(
      'aliases.a.targets[0].provider: unknown provider "nope"',
    );
  });

  it('serves the current copy while a due refresh runs, then adopts the pushed document and calls onChange', async () => {
    ssm.put(PARAMETER, JSON.stringify(validated('v1')));
    const source = await SsmConfigSource.create(options());
    ssm.put(PARAMETER, JSON.stringify(validated('v2')));

    clock.advance(30_000);
    expect(modelOf(source.current())).toBe('v1');
    expect(ssm.seen('GetParameter')).toHaveLength(1);

    clock.advance(31_000);
    expect(modelOf(source.current())).toBe('v1'); // stale-while-revalidate: this call does not wait
    expect(await source.refresh()).toBe('updated'); // joins the background refresh
    expect(ssm.seen('GetParameter')).toHaveLength(2);
    expect(modelOf(source.current())).toBe('v2');
    expect(changes.map(modelOf)).toEqual(['v1', 'v2']);
  });

  it('does not call onChange when the document did not change', async () => {
    ssm.put(PARAMETER, JSON.stringify(validated('bundled')));
    const source = await SsmConfigSource.create(options());
    expect(await source.refresh()).toBe('unchanged');
    expect(changes).toEqual([]);
  });

  it('rejects an invalid document as a whole, keeps the last good copy, and names the error path', async () => {
    ssm.put(PARAMETER, JSON.stringify(validated('good')));
    const source = await SsmConfigSource.create(options());
    const bad = { ...validated('good'), aliases: { a: { targets: [{ provider: 'o', model: 'new' }, { provider: 'typo', model: 'x' }] } } };
    ssm.put(PARAMETER, JSON.stringify(bad));

    expect(await source.refresh()).toBe('rejected');
    expect(modelOf(source.current())).toBe('good');
    expect(changes.map(modelOf)).toEqual(['good']);
    expect(telemetry.count(METRICS.configRejected)).toBe(1);
    expect(telemetry.count(METRICS.configSourceDegraded)).toBe(1);
    const error = telemetry.logs.find((l) => l.level === 'error');
    expect(error?.message).toContain('aliases.a.targets[1].provider: unknown provider "typo"');
    expect(error?.fields).toMatchObject({ parameter: PARAMETER, version: 2 });
  });

  it('trusts a document sealed like the bundled copy without the schema, and validates any other in full', async () => {
    const bundled = sealedJson(validated('bundled'));
    // What only the schema would catch (a target naming no provider) passes under the bundled seal:
    // the writer validated it (and a real one would have refused it)…
    const unchecked = { ...validated('trusted'), aliases: { a: { targets: [{ provider: 'o', model: 'trusted' }, { provider: 'typo', model: 'x' }] } } };
    ssm.put(PARAMETER, JSON.stringify({ [SEAL_FIELD]: sealOf(JSON.parse(bundled)), ...unchecked }));
    const source = await SsmConfigSource.create(options({ bundled }));
    expect(modelOf(source.current())).toBe('trusted');
    // …while a document sealed by another schema is validated here, and refused.
    ssm.put(PARAMETER, JSON.stringify({ [SEAL_FIELD]: 'another-schema', ...unchecked }));
    expect(await source.refresh()).toBe('rejected');
    ssm.put(PARAMETER, JSON.stringify({ [SEAL_FIELD]: 'another-schema', ...validated('validated') }));
    expect(await source.refresh()).toBe('updated');
    expect(modelOf(source.current())).toBe('validated');
  });

  it('rejects a document that is not YAML or JSON', async () => {
    const source = await SsmConfigSource.create(options());
    ssm.put(PARAMETER, '{ "providers": [');
    expect(await source.refresh()).toBe('rejected');
    expect(modelOf(source.current())).toBe('bundled');
    expect(telemetry.count(METRICS.configRejected)).toBe(1);
  });

  it('keeps the last good copy when SSM fails or throttles on refresh', async () => {
    ssm.put(PARAMETER, JSON.stringify(validated('good')));
    const source = await SsmConfigSource.create(options());
    ssm.put(PARAMETER, JSON.stringify(validated('unseen')));
    ssm.failNext(1, 'error500');
    ssm.failNext(1, 'throttle');
    expect(await source.refresh()).toBe('failed');
    expect(await source.refresh()).toBe('failed');
    expect(modelOf(source.current())).toBe('good');
    expect(telemetry.count(METRICS.configSourceDegraded)).toBe(2);
    expect(await source.refresh()).toBe('updated');
    expect(modelOf(source.current())).toBe('unseen');
  });

  it('schedules refreshes 60 s apart with ±20 % jitter', async () => {
    for (const [random, period] of [
      [0, 48_000],
      [0.5, 60_000],
      [0.999999, 72_000],
    ] as const) {
      const source = await SsmConfigSource.create(options({ random: () => random }));
      const start = clock.now();
      expect(source.nextRefreshAt() - start).toBe(period);

      const before = ssm.seen('GetParameter').length;
      clock.advance(period - 1);
      source.current();
      expect(ssm.seen('GetParameter')).toHaveLength(before);
      clock.advance(1);
      source.current();
      await source.refresh();
      expect(ssm.seen('GetParameter')).toHaveLength(before + 1);
    }
  });

  it('never schedules outside the jitter bounds', async () => {
    let r = 0;
    const source = await SsmConfigSource.create(options({ random: () => r }));
    for (let i = 0; i < 50; i++) {
      r = i / 50;
      await source.refresh();
      const period = source.nextRefreshAt() - clock.now();
      expect(period).toBeGreaterThanOrEqual(48_000);
      expect(period).toBeLessThanOrEqual(72_000);
    }
  });
});
