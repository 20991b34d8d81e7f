import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { bedrockResources } from '../../infra/constructs/provider-access.ts';
import { buildStack, NO_BEDROCK_CONFIG, resourcesOf } from './stack-fixture.ts';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

function statements(template: Template): { policy: string; roles: string[]; statement: Statement }[] {
  return resourcesOf(template, 'AWS::IAM::Policy').flatMap(([policy, p]) =>
    ((p.PolicyDocument as { Statement: Statement[] }).Statement).map((statement) => ({
      policy,
      roles: (p.Roles as { Ref: string }[]).map((r) => r.Ref),
      statement,
    })),
  );
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
/** Resources with intrinsic functions flattened to text (`${Ref}` placeholders). */
const text = (resource: unknown): string =>
  JSON.stringify(resource)
    .replace(/\{"Ref":"([^"]+)"\}/g, '${$1}')
    .replace(/\{"Fn::Join":\["",\[(.*?)\]\]\}/g, (_m, inner: string) => inner.replace(/","|",|,"/g, '').replace(/^"|"$/g, ''));

describe('grants', () => {
  let template: Template;
  let all: ReturnType<typeof statements>;
  beforeAll(() => {
    template = buildStack().template;
    all = statements(template);
  });

  it('never grants a wildcard action', () => {
    for (const { statement } of all) for (const action of list(statement.Action)) expect(action).not.toContain('*');
  });

  it('allows wildcard resources only in the acknowledged keys, KMS and Bedrock statements', () => {
    const wildcards = all.flatMap(({ statement }) => list(statement.Resource).map(text).filter((r) => r.includes('*')));
    expect(wildcards.sort()).toEqual(
      [
        'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/understudy/keys/*',
        'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*',
        'arn:${AWS::Partition}:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
      ].sort(),
    );
  });

  it('gives each function exactly the four breaker item actions on the table; only the proxy may Scan, for keys only', () => {
    const scans = all.filter(({ statement }) => list(statement.Action).includes('dynamodb:Scan'));
    expect(scans).toHaveLength(1);
    expect(scans[0]!.roles).toEqual([expect.stringMatching(/^ProxyRole/)]);
    expect(list(scans[0]!.statement.Action)).toEqual(['dynamodb:Scan']);
    expect(scans[0]!.statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^BreakersTable/), 'Arn'] });
    expect(scans[0]!.statement.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk'] },
      StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
    });
    const table = all.filter(({ statement }) => list(statement.Action).some((a) => a.startsWith('dynamodb:')) && !list(statement.Action).includes('dynamodb:Scan'));
    expect(table).toHaveLength(2);
    for (const { statement, roles } of table) {
      expect(list(statement.Action).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^BreakersTable/), 'Arn'] });
      expect(roles).toHaveLength(1);
    }
    expect(new Set(table.map((t) => t.roles[0]))).toEqual(new Set([expect.stringMatching(/^ProxyRole/), expect.stringMatching(/^HealthCheckerRole/)]));
  });

  it('lets both functions read the config parameter and nothing else of SSM outside the keys path', () => {
    const reads = all.filter(({ statement }) => list(statement.Action).includes('ssm:GetParameterHistory'));
    expect(reads).toHaveLength(2);
    for (const { statement } of reads) expect(text(statement.Resource)).toMatch(/:parameter\$\{ConfigParameter[0-9A-F]+\}$/);
  });

  it('lets both roles read the keys path (the operator key hash, <keysPath>/operator/admin, included) and decrypt only through SSM in this region', () => {
    const keys = all.filter(({ statement }) => list(statement.Action).includes('ssm:GetParametersByPath'));
    expect(keys).toHaveLength(1);
    expect(keys[0]!.roles).toHaveLength(2);
    expect(list(keys[0]!.statement.Action).sort()).toEqual(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath']);
    expect(list(keys[0]!.statement.Resource).map(text)).toEqual([
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/understudy/keys',
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/understudy/keys/*',
    ]);
    // The deployed status page reads the operator key's hash there (adapters/ssm-operator-key.ts).
    const admin = 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/understudy/keys/operator/admin';
    const covers = (pattern: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(admin);
    expect(list(keys[0]!.statement.Resource).map(text).some(covers)).toBe(true);
    expect(keys[0]!.roles).toContainEqual(expect.stringMatching(/^ProxyRole/));
    const kms = all.find(({ statement }) => list(statement.Action).includes('kms:Decrypt'))!;
    expect(kms.statement.Condition).toEqual({ StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } });
  });

  it('grants Bedrock invoke on the configured models in the provider region, profiles included', () => {
    const bedrock = all.filter(({ statement }) => list(statement.Action).some((a) => a.startsWith('bedrock:')));
    expect(bedrock).toHaveLength(1);
    expect(bedrock[0]!.roles).toHaveLength(2);
    expect(list(bedrock[0]!.statement.Action).sort()).toEqual(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
    expect(list(bedrock[0]!.statement.Resource).map(text).sort()).toEqual(
      [
        'arn:${AWS::Partition}:bedrock:eu-west-1:${AWS::AccountId}:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
        'arn:${AWS::Partition}:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
        'arn:${AWS::Partition}:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0',
      ].sort(),
    );
  });

  it('grants the scheduler the unqualified health function only (no version wildcard)', () => {
    const invoke = all.filter(({ statement }) => list(statement.Action).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    const arn = { 'Fn::GetAtt': [expect.stringMatching(/^HealthCheckerFunction/), 'Arn'] };
    expect(list(invoke[0]!.statement.Resource)).toEqual([{ 'Fn::Join': ['', [arn, ':$LATEST']] }, arn]);
  });

  it('lets each function write only to its own log group (no managed policy)', () => {
    for (const [, role] of resourcesOf(template, 'AWS::IAM::Role')) expect(role.ManagedPolicyArns).toBeUndefined();
    const logs = all.filter(({ statement }) => list(statement.Action).includes('logs:PutLogEvents'));
    expect(logs).toHaveLength(2);
    for (const { statement } of logs) expect(statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Logs/), 'Arn'] });
  });
});

describe('grants for a Bedrock shadow target', () => {
  it('lets the proxy invoke a model used only as a shadow', () => {
    const { template } = buildStack({
      config: `${NO_BEDROCK_CONFIG.replace('providers:', 'providers:\n  bedrock: { kind: bedrock, region: us-east-1 }')}    shadow: { target: { provider: bedrock, model: amazon.nova-lite-v1:0 }, sampleRate: 0.1 }\n`,
    });
    const bedrock = statements(template).filter(({ statement }) => list(statement.Action).some((a) => a.startsWith('bedrock:')));
    expect(bedrock).toHaveLength(1);
    expect(list(bedrock[0]!.statement.Resource).map(text)).toEqual(['arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0']);
  });
});

describe('grants without a Bedrock provider', () => {
  it('has no Bedrock statement at all', () => {
    const { template } = buildStack({ config: NO_BEDROCK_CONFIG });
    const actions = statements(template).flatMap(({ statement }) => list(statement.Action));
    expect(actions.some((a) => a.startsWith('bedrock:'))).toBe(false);
    expect(actions).toContain('ssm:GetParametersByPath');
  });
});

describe('bedrockResources', () => {
  it('maps a plain model id to the foundation model in the provider region', () => {
    expect(bedrockResources('amazon.nova-pro-v1:0', 'us-east-1', 'aws', '123')).toEqual({
      resources: ['arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0'],
      wildcards: [],
    });
  });

  it('maps a geographic inference profile to the profile and the model in any region', () => {
    expect(bedrockResources('us.anthropic.claude-haiku-4-5-v1:0', 'us-east-1', 'aws', '123')).toEqual({
      resources: ['arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-haiku-4-5-v1:0', 'arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-v1:0'],
      wildcards: ['arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-v1:0'],
    });
  });

  it('adds the region-less model ARN for a global profile', () => {
    expect(bedrockResources('global.anthropic.claude-sonnet-4-5-v1:0', 'eu-west-1', 'aws', '123').resources).toEqual([
      'arn:aws:bedrock:eu-west-1:123:inference-profile/global.anthropic.claude-sonnet-4-5-v1:0',
      'arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-v1:0',
      'arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-v1:0',
    ]);
  });

  it('takes a full ARN as it is', () => {
    const arn = 'arn:aws:bedrock:us-east-1:123:application-inference-profile/abc';
    expect(bedrockResources(arn, 'us-east-1', 'aws', '123')).toEqual({ resources: [arn], wildcards: [] });
  });
});
