import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAlarmsCli } from '../../functions/cli/alarms.ts';
import { datapointsFromEmf } from '../../infra/replay/emf-datapoints.ts';
import { replayAlarms } from '../../infra/replay/evaluate.ts';
import { evaluateExpression, parseExpression } from '../../infra/replay/metric-math.ts';
import { alarmsOfTemplate } from '../../infra/replay/template-alarms.ts';

const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);
const emf = (minute: number, name: string, value: number, dimensions: Record<string, string> = {}) =>
  JSON.stringify({
    _aws: { Timestamp: T0 + minute * 60_000 + 5_000, CloudWatchMetrics: [{ Namespace: 'Understudy', Dimensions: [['service', ...Object.keys(dimensions)]], Metrics: [{ Name: name, Unit: 'Count' }] }] },
    service: 'understudy',
    ...dimensions,
    [name]: value,
  });

const alarm = (name: string, props: Record<string, unknown>) => ({ Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: name, Period: 60, ...props } });
const TEMPLATE = {
  Resources: {
    Exhausted: alarm('S-page-chain-exhausted-a', {
      Namespace: 'Understudy', MetricName: 'ChainExhausted', Statistic: 'Sum', Dimensions: [{ Name: 'service', Value: 'understudy' }, { Name: 'Alias', Value: 'a' }],
      Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching',
    }),
    Silent: alarm('S-page-health-check-silent', {
      Namespace: 'Understudy', MetricName: 'HealthCheckHeartbeat', Statistic: 'SampleCount', Dimensions: [{ Name: 'service', Value: 'understudy' }],
      Threshold: 1, ComparisonOperator: 'LessThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 3, TreatMissingData: 'breaching',
    }),
    Rate: { Type: 'AWS::CloudWatch::Alarm', Properties: {
      AlarmName: 'S-input-failure-rate-t', Threshold: 50, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, DatapointsToAlarm: 1, TreatMissingData: 'notBreaching',
      Metrics: [
        { Id: 'expr_1', Expression: 'IF((FILL(f, 0) + FILL(s, 0)) > 0, 100 * FILL(f, 0) / (FILL(f, 0) + FILL(s, 0)), 0)' },
        { Id: 'f', ReturnData: false, MetricStat: { Metric: { Namespace: 'Understudy', MetricName: 'AttemptFailures', Dimensions: [{ Name: 'service', Value: 'understudy' }, { Name: 'Target', Value: 't' }] }, Period: 60, Stat: 'Sum' } },
        { Id: 's', ReturnData: false, MetricStat: { Metric: { Namespace: 'Understudy', MetricName: 'AttemptSuccesses', Dimensions: [{ Name: 'service', Value: 'understudy' }, { Name: 'Target', Value: 't' }] }, Period: 60, Stat: 'Sum' } },
      ],
    } },
    Both: { Type: 'AWS::CloudWatch::CompositeAlarm', Properties: {
      AlarmName: 'S-page-both',
      AlarmRule: { 'Fn::Join': ['', ['(ALARM("', { 'Fn::GetAtt': ['Exhausted', 'Arn'] }, '") AND NOT OK("', { 'Fn::GetAtt': ['Rate', 'Arn'] }, '"))']] },
    } },
  },
};

describe('the alarm replay', () => {
  const alarms = alarmsOfTemplate(TEMPLATE);
  const heartbeats = (minutes: number[]) => minutes.map((m) => emf(m, 'HealthCheckHeartbeat', 1));

  it('M of N: two breaching minutes of three alarm, one does not; missing data is not breaching for a counter', () => {
    const lines = [...heartbeats([0, 1, 2, 3, 4, 5, 6]), emf(1, 'ChainExhausted', 1, { Alias: 'a' }), emf(3, 'ChainExhausted', 2, { Alias: 'a' }), emf(4, 'ChainExhausted', 1, { Alias: 'a' })];
    const changes = replayAlarms(alarms, datapointsFromEmf(lines.join('\n')));
    const exhausted = changes.filter((c) => c.alarm === 'S-page-chain-exhausted-a');
    // Minute 1 alone: no (end of minute 1 and 2). Minutes 1 and 3 are two of three: ALARM at the end
    // of minute 3; OK once two of the last three are quiet (the end of minute 6).
    expect(exhausted.map((c) => [(c.at - T0) / 60_000, c.to])).toEqual([[4, 'ALARM'], [7, 'OK']]);
    expect(exhausted[0]!.values).toEqual([1, undefined, 2]);
  });

  it('a heartbeat that stops breaches: missing data counts as breaching', () => {
    const changes = replayAlarms(alarms, datapointsFromEmf(heartbeats([0, 1]).join('\n')), { from: T0, until: T0 + 6 * 60_000 });
    expect(changes.filter((c) => c.alarm === 'S-page-health-check-silent').map((c) => [(c.at - T0) / 60_000, c.to])).toEqual([[5, 'ALARM']]);
  });

  it('metric math and composite rules (AND, NOT, references resolved to names)', () => {
    expect(evaluateExpression(parseExpression('IF((FILL(f, 0) + FILL(s, 0)) > 0, 100 * FILL(f, 0) / (FILL(f, 0) + FILL(s, 0)), 0)'), (id) => ({ f: 3, s: 1 })[id])).toBe(75);
    expect(evaluateExpression(parseExpression('FILL(f, 0) + 1'), () => undefined)).toBe(1);
    expect(alarms.find((a) => a.name === 'S-page-both')).toMatchObject({ rule: '(ALARM("S-page-chain-exhausted-a") AND NOT OK("S-input-failure-rate-t"))' });
    const lines = [
      ...heartbeats([0, 1, 2, 3]),
      emf(0, 'ChainExhausted', 1, { Alias: 'a' }), emf(1, 'ChainExhausted', 1, { Alias: 'a' }), emf(2, 'ChainExhausted', 1, { Alias: 'a' }),
      emf(2, 'AttemptFailures', 3, { Target: 't' }), emf(2, 'AttemptSuccesses', 1, { Target: 't' }),
    ];
    const changes = replayAlarms(alarms, datapointsFromEmf(lines.join('\n')));
    expect(changes.filter((c) => c.alarm === 'S-page-both').map((c) => [(c.at - T0) / 60_000, c.to])).toEqual([[3, 'ALARM'], [4, 'OK']]);
  });

  it('npm run alarms -- replay prints the timeline from a template and an EMF file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'understudy-replay-'));
    writeFileSync(join(dir, 't.json'), JSON.stringify(TEMPLATE));
    writeFileSync(join(dir, 'emf.log'), ['not EMF', ...heartbeats([0, 1, 2]), emf(0, 'ChainExhausted', 1, { Alias: 'a' }), emf(1, 'ChainExhausted', 1, { Alias: 'a' })].join('\n'));
    const out: string[] = [];
    const code = await runAlarmsCli(['replay', '--emf', join(dir, 'emf.log'), '--template', join(dir, 't.json'), '--tail-minutes', '3'], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/12:02:00 \(\+2 min\)\s+L3\s+S-page-chain-exhausted-a {2}OK → ALARM {2}\[-, 1, 1\]/);
    expect(out.join('\n')).toContain('S-page-health-check-silent  OK → ALARM');
    expect(await runAlarmsCli(['replay'], { out: () => {}, err: () => {} })).toBe(2);
  });
});
