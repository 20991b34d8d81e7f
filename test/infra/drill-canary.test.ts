import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, resourcesOf, STUB_ENTRY, TEST_CONFIG } from './stack-fixture.ts';

/** TEST_CONFIG plus a provider entry of its own for the drill and a drill-only alias. */
const DRILL_CONFIG = TEST_CONFIG.replace('providers:', 'providers:\n  openai-drill: { kind: openai, apiKey: ssm:/understudy/keys/openai }') +
  `  drill:
    targets:
      - { provider: openai-drill, model: gpt-4o-mini }
      - { provider: bedrock, model: amazon.nova-lite-v1:0 }
`;

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

function roleStatements(template: Template, rolePrefix: RegExp): Statement[] {
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Roles as { Ref: string }[]).some((r) => rolePrefix.test(r.Ref)))
    .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
}

function alarmNamed(template: Template, name: string): Record<string, unknown> {
  const found = resourcesOf(template, 'AWS::CloudWatch::Alarm').find(([, p]) => p.AlarmName === `Understudy-${name}`);
  if (!found) throw new Error(`no alarm Understudy-${name}`);
  return found[1];
}

describe('no drill alias', () => {
  it('creates no drill function, schedule, alarm or output', () => {
    const { template } = buildStack();
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toContain('UNDERSTUDY_DRILL_ALIAS');
    expect(json).not.toContain('drill-failed');
    expect(resourcesOf(template, 'AWS::Scheduler::Schedule')).toHaveLength(1);
    expect(template.toJSON().Outputs.DrillFunctionName).toBeUndefined();
  });
});

describe('the scheduled drill', () => {
  let template: Template;
  beforeAll(() => {
    template = buildStack({ config: DRILL_CONFIG, props: { drillAlias: 'drill', drillEntry: STUB_ENTRY, drillScheduleHours: 12 } }).template;
  });

  it('is a function with the drill environment, 15 minutes, reserved concurrency 1 and no Lambda retries', () => {
    const [[id, fn]] = resourcesOf(template, 'AWS::Lambda::Function').filter(([, p]) => JSON.stringify(p).includes('UNDERSTUDY_DRILL_ALIAS')) as [[string, Record<string, unknown>]];
    expect(fn).toMatchObject({ Timeout: 900, MemorySize: 256, ReservedConcurrentExecutions: 1 });
    const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      UNDERSTUDY_DRILL_ALIAS: 'drill',
      UNDERSTUDY_DRILL_KEY_PARAMETER: '/understudy/drill/key',
      UNDERSTUDY_STACK_NAME: 'Understudy',
      UNDERSTUDY_DRILL_URL: { 'Fn::GetAtt': [expect.stringMatching(/^ProxyFunctionFunctionUrl/), 'FunctionUrl'] },
      UNDERSTUDY_CONFIG_PARAMETER: { Ref: expect.stringMatching(/^ConfigParameter/) },
    });
    // Lambda would otherwise run a failed drill twice more (asynchronous invocation).
    const invokeConfig = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig').find(([, p]) => JSON.stringify(p.FunctionName).includes(id));
    expect(invokeConfig?.[1]).toMatchObject({ MaximumRetryAttempts: 0 });
    expect(template.toJSON().Outputs.DrillFunctionName).toEqual({ Value: { Ref: id } });
  });

  it('runs on its own schedule, not retried', () => {
    const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule');
    const drill = schedules.find(([, p]) => p.ScheduleExpression === 'rate(12 hours)');
    expect(drill?.[1]).toMatchObject({ Target: { RetryPolicy: { MaximumRetryAttempts: 0 } } });
  });

  it('may read and write the config parameter, read its key, and list alarms; nothing else', () => {
    const statements = roleStatements(template, /^DrillCanaryRole/);
    const flat = statements.map((s) => ({ actions: list(s.Action).sort(), resource: JSON.stringify(s.Resource) }));
    expect(flat.find((s) => s.actions.includes('ssm:PutParameter'))).toMatchObject({ actions: ['ssm:GetParameter', 'ssm:PutParameter'], resource: expect.stringContaining('ConfigParameter') });
    expect(flat.filter((s) => s.actions.includes('ssm:PutParameter'))).toHaveLength(1);
    expect(flat.find((s) => s.actions.join() === 'ssm:GetParameter')?.resource).toContain(':parameter/understudy/drill/key');
    expect(flat.find((s) => s.actions.join() === 'cloudwatch:DescribeAlarms')?.resource).toContain(':alarm:*');
    expect(flat.find((s) => s.actions.join() === 'kms:Decrypt')).toBeDefined();
    const actions = flat.flatMap((s) => s.actions).sort();
    expect(actions).toEqual(['cloudwatch:DescribeAlarms', 'kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter', 'ssm:GetParameter', 'ssm:PutParameter'].sort());
  });

  it('keeps the drill alias quiet: L2 state only, L3 to warn, and a drill-failed warning', () => {
    expect(alarmNamed(template, 'input-served-by-fallback-drill').AlarmActions).toBeUndefined();
    expect(alarmNamed(template, 'input-breaker-open-openai-drill-gpt-4o-mini').AlarmActions).toBeUndefined();
    expect(alarmNamed(template, 'warn-chain-exhausted-drill')).toMatchObject({ AlarmActions: [{ Ref: expect.stringMatching(/^AlertsWarn/) }] });
    const composite = resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm').find(([, p]) => p.AlarmName === 'Understudy-warn-fallback-failing-drill');
    expect(composite?.[1]).toMatchObject({ AlarmActions: [{ Ref: expect.stringMatching(/^AlertsWarn/) }] });
    // The fallback it shares with a real alias keeps its real routing.
    expect(alarmNamed(template, 'failover-breaker-open-bedrock-amazon.nova-lite-v1-0').AlarmActions).toBeDefined();
    expect(alarmNamed(template, 'failover-served-by-fallback-fast').AlarmActions).toBeDefined();
    expect(alarmNamed(template, 'page-chain-exhausted-fast').AlarmActions).toBeDefined();
    expect(alarmNamed(template, 'warn-drill-failed')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Period: 3600,
      EvaluationPeriods: 1,
      Threshold: 1,
      AlarmActions: [{ Ref: expect.stringMatching(/^AlertsWarn/) }],
    });
  });
});

describe('drill alias validation at synth', () => {
  const synth = (config: string, alias: string) => () => buildStack({ config, props: { drillAlias: alias, drillEntry: STUB_ENTRY } });

  it('rejects an alias that is not configured', () => {
    expect(synth(DRILL_CONFIG, 'nope')).toThrow(/drillAlias "nope" cannot be drilled:\n {2}alias "nope" is not in the configuration/);
  });

  it('rejects an alias without a fallback', () => {
    const single = `${DRILL_CONFIG}  solo:\n    targets:\n      - { provider: anthropic, model: claude-haiku-4-5 }\n`;
    expect(synth(single, 'solo')).toThrow(/single target: there is nothing to fail over to/);
  });

  it('rejects an alias whose primary provider serves real aliases, naming them and the way out', () => {
    expect(synth(DRILL_CONFIG, 'fast')).toThrow(/provider "openai" also serves "smart": .*"openai-drill: \{ kind: openai/);
  });

  it('counts a shadow target as use of the provider', () => {
    const shadowed = `${DRILL_CONFIG.replace('  fast:\n', '  fast:\n    shadow: { target: { provider: openai-drill, model: gpt-4o }, sampleRate: 0.1 }\n')}`;
    expect(synth(shadowed, 'drill')).toThrow(/provider "openai-drill" also serves "fast"/);
  });

  it('needs api-keys auth', () => {
    expect(() => buildStack({ config: DRILL_CONFIG, props: { drillAlias: 'drill', authMode: 'aws-iam' } })).toThrow(/drillAlias needs authMode api-keys/);
  });
});
