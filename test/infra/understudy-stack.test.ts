import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../functions/config/parse-text.ts';
import { sealedJson } from '../../functions/config/seal.ts';
import { buildStack, NO_BEDROCK_CONFIG, resourcesOf, TEST_CONFIG, writeConfig, type Built } from './stack-fixture.ts';

/** The deployed form: validated, defaults filled in, sealed with the schema's fingerprint. */
function validatedJson(text: string): string {
  const parsed = parseConfigText(text);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return sealedJson(parsed.config);
}

describe('UnderstudyStack with default settings', () => {
  let built: Built;
  beforeAll(() => {
    built = buildStack();
  });

  it('exposes the proxy on a streaming function URL with auth NONE (api-keys mode)', () => {
    built.template.resourceCountIs('AWS::Lambda::Url', 1);
    built.template.hasResourceProperties('AWS::Lambda::Url', { InvokeMode: 'RESPONSE_STREAM', AuthType: 'NONE' });
  });

  it('runs both functions on a pinned nodejs24.x runtime on arm64', () => {
    const functions = resourcesOf(built.template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(2);
    for (const [, p] of functions) {
      expect(p.Runtime).toBe('nodejs24.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.Handler).toBe('index.handler');
    }
  });

  it('sizes the proxy from the defaults: 1024 MB, 5 minutes, no reserved concurrency', () => {
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Understudy LLM failover proxy',
      MemorySize: 1024,
      Timeout: 300,
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('gives the proxy its settings, the Powertools names, source maps and the bundled config', () => {
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Understudy LLM failover proxy',
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'understudy',
          POWERTOOLS_METRICS_NAMESPACE: 'Understudy',
          UNDERSTUDY_CONFIG_PARAMETER: '/understudy/config',
          UNDERSTUDY_BREAKER_TABLE: { Ref: Match.stringLikeRegexp('^BreakersTable') },
          UNDERSTUDY_KEYS_PATH: '/understudy/keys',
          UNDERSTUDY_BUNDLED_CONFIG: validatedJson(TEST_CONFIG),
          UNDERSTUDY_AUTH_MODE: 'api-keys',
        },
      },
    });
  });

  it('runs the health checker for 70 s with reserved concurrency 1 and the same settings', () => {
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('health checker'),
      Timeout: 70,
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          UNDERSTUDY_CONFIG_PARAMETER: '/understudy/config',
          UNDERSTUDY_KEYS_PATH: '/understudy/keys',
          UNDERSTUDY_BUNDLED_CONFIG: validatedJson(TEST_CONFIG),
          POWERTOOLS_SERVICE_NAME: 'understudy',
        }),
      },
    });
  });

  it('gives each function its own log group with the default one-month retention', () => {
    const groups = resourcesOf(built.template, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(2);
    for (const [, p] of groups) expect(p.RetentionInDays).toBe(30);
    for (const [, p] of resourcesOf(built.template, 'AWS::Lambda::Function')) {
      expect(p.LoggingConfig).toEqual({ LogGroup: { Ref: expect.stringMatching(/Logs/) } });
    }
  });

  it('invokes the health checker every minute with EventBridge Scheduler, without retries', () => {
    built.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    built.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HealthChecker'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  it('keeps breaker state in an on-demand table with pk/sk, TTL and point-in-time recovery', () => {
    built.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    built.template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      },
    });
  });

  it('stores the validated config, defaults filled in, as a Standard String parameter', () => {
    built.template.resourceCountIs('AWS::SSM::Parameter', 1);
    built.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/understudy/config',
      Type: 'String',
      Tier: 'Standard',
      Value: validatedJson(TEST_CONFIG),
    });
    const stored = JSON.parse(resourcesOf(built.template, 'AWS::SSM::Parameter')[0]![1].Value as string);
    expect(stored.policy.maxAttempts).toBe(3); // a default the file does not mention
  });

  it('creates three alert topics that refuse publishing without TLS, and no subscriptions by default', () => {
    const topics = resourcesOf(built.template, 'AWS::SNS::Topic');
    expect(topics.map(([, p]) => p.DisplayName).sort()).toEqual(['Understudy failover', 'Understudy page', 'Understudy warning']);
    const policies = resourcesOf(built.template, 'AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(3);
    for (const [, p] of policies) {
      expect(p.PolicyDocument).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      });
    }
    built.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('draws a dashboard with traffic, failover, breaker, probe, latency and error widgets', () => {
    built.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(built.template.toJSON().Resources[resourcesOf(built.template, 'AWS::CloudWatch::Dashboard')[0]![0]].Properties.DashboardBody);
    for (const title of [
      'Attempt successes per target',
      'Attempt failures per target',
      'Failovers per alias',
      'Served by fallback per alias',
      'Breaker open per target',
      'Probe success per provider',
      'Probe latency per provider',
      'Time to first token per alias',
      'Chain exhausted per alias',
      'Proxy function: errors and throttles',
    ]) {
      expect(body).toContain(title);
    }
    expect(body).toContain('TimeToFirstToken');
    expect(body).toContain('p99');
    expect(body).toContain('bedrock/amazon.nova-lite-v1:0');
  });

  it('outputs the URL, the three topic ARNs, the table and the parameter name', () => {
    const outputs = built.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      ['BreakerTableName', 'ConfigParameterName', 'FailoverTopicArn', 'PageTopicArn', 'ProxyUrl', 'WarnTopicArn'].sort(),
    );
    expect(outputs.ProxyUrl!.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/FunctionUrl/), 'FunctionUrl'] });
    expect(outputs.BreakerTableName!.Value).toEqual({ Ref: expect.stringMatching(/^BreakersTable/) });
  });

  it('warns at synth about nothing when every key is an ssm: reference', () => {
    expect(built.stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning')).toEqual([]);
  });
});

describe('UnderstudyStack settings', () => {
  it('uses AWS_IAM on the URL and tells the proxy so in aws-iam mode', () => {
    const { template } = buildStack({ props: { authMode: 'aws-iam' } });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ UNDERSTUDY_AUTH_MODE: 'aws-iam' }) },
    });
  });

  it('reads settings from CDK context (strings, as -c passes them)', () => {
    const { template } = buildStack({
      config: NO_BEDROCK_CONFIG,
      context: {
        authMode: 'aws-iam',
        reservedConcurrency: '20',
        proxyMemoryMb: '2048',
        proxyTimeoutSeconds: '600',
        logRetentionDays: '7',
        configParameterName: '/team/understudy/config',
        'alertEmail.page': 'oncall@example.com, backup@example.com',
        'alertEmail.warn': 'team@example.com',
      },
    });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Understudy LLM failover proxy',
      ReservedConcurrentExecutions: 20,
      MemorySize: 2048,
      Timeout: 600,
      Environment: { Variables: Match.objectLike({ UNDERSTUDY_CONFIG_PARAMETER: '/team/understudy/config' }) },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/team/understudy/config' });
    for (const [, p] of resourcesOf(template, 'AWS::Logs::LogGroup')) expect(p.RetentionInDays).toBe(7);
    const subscriptions = resourcesOf(template, 'AWS::SNS::Subscription').map(([, p]) => [p.Endpoint, (p.TopicArn as { Ref: string }).Ref]);
    expect(subscriptions).toHaveLength(3);
    expect(subscriptions).toContainEqual(['oncall@example.com', expect.stringMatching(/^AlertsPage/)]);
    expect(subscriptions).toContainEqual(['backup@example.com', expect.stringMatching(/^AlertsPage/)]);
    expect(subscriptions).toContainEqual(['team@example.com', expect.stringMatching(/^AlertsWarn/)]);
  });

  it('reads the config file named in context', () => {
    const { template } = buildStack({ props: { configFile: undefined }, context: { configFile: writeConfig(NO_BEDROCK_CONFIG) } });
    template.hasResourceProperties('AWS::SSM::Parameter', { Value: validatedJson(NO_BEDROCK_CONFIG) });
  });

  it('takes reserved concurrency from props', () => {
    const { template } = buildStack({ config: NO_BEDROCK_CONFIG, props: { reservedConcurrency: 50 } });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'Understudy LLM failover proxy', ReservedConcurrentExecutions: 50 });
  });

  it('warns at synth when a provider key is an env: reference the functions will never have', () => {
    const { stack } = buildStack({ config: NO_BEDROCK_CONFIG.replace('ssm:/understudy/keys/openai', 'env:OPENAI_API_KEY') });
    const warnings = stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('provider "openai" takes its key from env:OPENAI_API_KEY');
    expect(warnings[0]).toContain('ssm:/understudy/keys/openai');
  });
});
