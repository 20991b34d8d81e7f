import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, resourcesOf } from './stack-fixture.ts';

interface AlarmProps {
  AlarmName: string;
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  ComparisonOperator: string;
  Threshold: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  TreatMissingData: string;
  Period?: number;
  AlarmActions?: { Ref: string }[];
  OKActions?: { Ref: string }[];
  Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] } } }[];
}

function alarms(template: Template): Map<string, AlarmProps & { logicalId: string }> {
  return new Map(
    resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([id, p]) => {
      const props = p as unknown as AlarmProps;
      return [props.AlarmName, { ...props, logicalId: id }];
    }),
  );
}

function alarm(all: Map<string, AlarmProps & { logicalId: string }>, name: string): AlarmProps & { logicalId: string } {
  const found = all.get(`Understudy-${name}`);
  if (!found) throw new Error(`no alarm Understudy-${name}; have ${[...all.keys()].join(', ')}`);
  return found;
}

const topic = (severity: 'Warn' | 'Failover' | 'Page') => [{ Ref: expect.stringMatching(new RegExp(`^Alerts${severity}`)) }];

describe('layered alarms', () => {
  let template: Template;
  let all: Map<string, AlarmProps & { logicalId: string }>;
  beforeAll(() => {
    template = buildStack().template;
    all = alarms(template);
  });

  it('puts service=understudy on every alarm of an Understudy metric', () => {
    const custom = [...all.values()].filter((a) => a.Namespace === 'Understudy');
    expect(custom.length).toBeGreaterThan(10);
    for (const a of custom) expect(a.Dimensions).toContainEqual({ Name: 'service', Value: 'understudy' });
    for (const a of [...all.values()].filter((x) => x.Metrics)) {
      for (const m of a.Metrics!.filter((x) => x.MetricStat)) expect(m.MetricStat!.Metric.Dimensions).toContainEqual({ Name: 'service', Value: 'understudy' });
    }
  });

  it('L1 warns per provider when probes fail in 2 of 3 minutes', () => {
    for (const provider of ['openai', 'anthropic', 'bedrock']) {
      expect(alarm(all, `warn-probe-${provider}`)).toMatchObject({
        MetricName: 'ProbeSuccess',
        Statistic: 'Average',
        Dimensions: expect.arrayContaining([{ Name: 'Provider', Value: provider }]),
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Period: 60,
        TreatMissingData: 'notBreaching',
        AlarmActions: topic('Warn'),
      });
    }
  });

  it('L1 warns on degraded breaker store and config source, and on function errors and throttles', () => {
    for (const [name, metric] of [
      ['warn-breaker-store-degraded', 'BreakerStoreDegraded'],
      ['warn-config-source-degraded', 'ConfigSourceDegraded'],
      ['warn-proxy-errors', 'Errors'],
      ['warn-proxy-throttles', 'Throttles'],
      ['warn-health-errors', 'Errors'],
    ] as const) {
      expect(alarm(all, name)).toMatchObject({
        MetricName: metric,
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        DatapointsToAlarm: 2,
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
        AlarmActions: topic('Warn'),
      });
    }
    expect(alarm(all, 'warn-breaker-store-degraded').Dimensions).toEqual([{ Name: 'service', Value: 'understudy' }]);
    expect(alarm(all, 'warn-proxy-errors')).toMatchObject({ Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^ProxyFunction/) } }] });
  });

  it('L2 reports every target breaker once to the failover topic', () => {
    const breakers = [...all.values()].filter((a) => a.MetricName === 'BreakerOpen');
    expect(breakers.map((a) => a.Dimensions!.find((d) => d.Name === 'Target')!.Value).sort()).toEqual(
      ['anthropic/claude-sonnet-4-5', 'bedrock/amazon.nova-lite-v1:0', 'bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'openai/gpt-4o', 'openai/gpt-4o-mini'].sort(),
    );
    for (const a of breakers) {
      expect(a).toMatchObject({
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: topic('Failover'),
      });
    }
  });

  it('L2 reports an alias served by its fallback in 2 of 3 minutes to the failover topic', () => {
    for (const alias of ['smart', 'fast']) {
      expect(alarm(all, `failover-served-by-fallback-${alias}`)).toMatchObject({
        MetricName: 'ServedByFallback',
        Statistic: 'Sum',
        Dimensions: expect.arrayContaining([{ Name: 'Alias', Value: alias }]),
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        DatapointsToAlarm: 2,
        EvaluationPeriods: 3,
        AlarmActions: topic('Failover'),
      });
    }
  });

  it('L3 pages when an alias chain is exhausted in 2 of 3 minutes, and says when it clears', () => {
    for (const alias of ['smart', 'fast']) {
      expect(alarm(all, `page-chain-exhausted-${alias}`)).toMatchObject({
        MetricName: 'ChainExhausted',
        Statistic: 'Sum',
        Dimensions: expect.arrayContaining([{ Name: 'Alias', Value: alias }]),
        Threshold: 1,
        DatapointsToAlarm: 2,
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
        AlarmActions: topic('Page'),
        OKActions: topic('Page'),
      });
    }
  });

  it('L3 pages when the health checker is silent: missing heartbeats breach', () => {
    expect(alarm(all, 'page-health-check-silent')).toMatchObject({
      MetricName: 'HealthCheckHeartbeat',
      Statistic: 'SampleCount',
      Dimensions: [{ Name: 'service', Value: 'understudy' }],
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
      AlarmActions: topic('Page'),
    });
  });

  it('builds fallback failure-rate alarms as composite inputs only (no actions)', () => {
    const rates = [...all.values()].filter((a) => a.AlarmName.startsWith('Understudy-input-failure-rate-'));
    expect(rates.map((a) => a.AlarmName).sort()).toEqual(
      [
        'Understudy-input-failure-rate-bedrock-amazon.nova-lite-v1-0',
        'Understudy-input-failure-rate-bedrock-eu.anthropic.claude-sonnet-4-5-20250929-v1-0',
        'Understudy-input-failure-rate-openai-gpt-4o',
      ].sort(),
    );
    for (const a of rates) {
      expect(a.AlarmActions).toBeUndefined();
      expect(a).toMatchObject({ Threshold: 50, ComparisonOperator: 'GreaterThanOrEqualToThreshold', DatapointsToAlarm: 2, EvaluationPeriods: 3 });
      const expression = a.Metrics!.find((m) => m.Expression)!.Expression!;
      expect(expression).toContain('100 * FILL(f, 0)');
      const names = a.Metrics!.filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric.MetricName).sort();
      expect(names).toEqual(['AttemptFailures', 'AttemptSuccesses']);
    }
  });

  it('L3 pages per alias when it runs on fallbacks and one of them is open or failing', () => {
    const composites = resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm');
    expect(composites).toHaveLength(2);
    const rule = (name: string): string => {
      const found = composites.find(([, p]) => p.AlarmName === `Understudy-page-fallback-failing-${name}`);
      if (!found) throw new Error(`no composite for ${name}`);
      expect(found[1].AlarmActions).toEqual(topic('Page'));
      // Render the Fn::Join with logical ids so the rule reads as text.
      const parts = (found[1].AlarmRule as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      return parts.map((p) => (typeof p === 'string' ? p : (p as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0])).join('');
    };
    const id = (name: string) => alarm(all, name).logicalId;

    expect(rule('smart')).toBe(
      `(ALARM("${id('failover-served-by-fallback-smart')}") AND (` +
        [
          `ALARM("${id('failover-breaker-open-bedrock-eu.anthropic.claude-sonnet-4-5-20250929-v1-0')}")`,
          `ALARM("${id('input-failure-rate-bedrock-eu.anthropic.claude-sonnet-4-5-20250929-v1-0')}")`,
          `ALARM("${id('failover-breaker-open-openai-gpt-4o')}")`,
          `ALARM("${id('input-failure-rate-openai-gpt-4o')}")`,
        ].join(' OR ') +
        '))',
    );
    // The first target of an alias is not a fallback: its breaker does not take part.
    expect(rule('smart')).not.toContain(id('failover-breaker-open-anthropic-claude-sonnet-4-5'));
    expect(rule('fast')).toBe(
      `(ALARM("${id('failover-served-by-fallback-fast')}") AND (` +
        `ALARM("${id('failover-breaker-open-bedrock-amazon.nova-lite-v1-0')}") OR ALARM("${id('input-failure-rate-bedrock-amazon.nova-lite-v1-0')}")))`,
    );
  });

  it('routes every alarm by its layer and leaves none unrouted except composite inputs', () => {
    for (const a of all.values()) {
      const layer = /^Understudy-(warn|failover|page|input)-/.exec(a.AlarmName)?.[1];
      expect(layer, a.AlarmName).toBeDefined();
      if (layer === 'input') continue;
      const expected = { warn: 'Warn', failover: 'Failover', page: 'Page' }[layer as 'warn' | 'failover' | 'page'] as 'Warn' | 'Failover' | 'Page';
      expect(a.AlarmActions, a.AlarmName).toEqual(topic(expected));
    }
  });
});

describe('layered alarms for a single-target alias', () => {
  it('has no fallback alarms or composite, but still pages when its chain is exhausted', () => {
    const { template } = buildStack({
      config: `
providers:
  openai: { kind: openai, apiKey: ssm:/understudy/keys/openai }
aliases:
  solo: { targets: [{ provider: openai, model: gpt-4o }] }
`,
    });
    const names = [...alarms(template).keys()];
    expect(names.some((n) => n.includes('served-by-fallback'))).toBe(false);
    expect(names.some((n) => n.includes('failure-rate'))).toBe(false);
    expect(names).toContain('Understudy-page-chain-exhausted-solo');
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
  });
});
