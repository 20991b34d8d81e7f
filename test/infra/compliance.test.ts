import { App, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, FunctionUrlAuthType, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { UnderstudyChecks } from '../../infra/checks/understudy-checks.ts';
import { buildStack, NO_BEDROCK_CONFIG } from './stack-fixture.ts';

/** Every acknowledgement recorded anywhere in the tree, as `{ id, reason }`. */
function acknowledgements(app: App): { path: string; id: string; reason: string }[] {
  return app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason }))),
  );
}

function plainFunction(stack: Stack, environment: Record<string, string>): LambdaFunction {
  return new LambdaFunction(stack, 'Fn', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('export const handler = async () => {}'), environment });
}

describe('compliance checks on synth', () => {
  it('passes AwsSolutions, Serverless and Understudy checks with Bedrock and api-keys auth', () => {
    const { app } = buildStack();
    expect(() => app.synth()).not.toThrow();
  });

  it('passes with aws-iam auth, e-mail subscriptions and another keys path', () => {
    const { app } = buildStack({
      config: NO_BEDROCK_CONFIG.replaceAll('/understudy/keys/', '/team/llm-keys/'),
      props: { authMode: 'aws-iam', keysPath: '/team/llm-keys', alertEmails: { page: ['oncall@example.com'], warn: ['team@example.com'] } },
    });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synth on an unacknowledged finding (the checks really run in tests)', () => {
    const { app, stack } = buildStack({ config: NO_BEDROCK_CONFIG });
    stack.proxy.function.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\]/);
  });

  it('gives every acknowledgement a specific reason', () => {
    const { app } = buildStack();
    const acks = acknowledgements(app);
    expect(acks.map((a) => a.id).sort()).toEqual(
      [
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/understudy/keys/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0]',
        'Serverless-LambdaTracing',
        'Serverless-LambdaTracing',
        'Serverless-LambdaAsyncFailureDestination',
        'Serverless-LambdaAsyncFailureDestination',
        'Serverless-LambdaDLQ',
        'Serverless-LambdaDLQ',
        'Serverless-SNSRedrivePolicy',
      ].sort(),
    );
    for (const { reason } of acks) expect(reason.length).toBeGreaterThan(60);
  });
});

describe('Understudy-FunctionUrlAuth', () => {
  it('accepts the stack in both auth modes', () => {
    for (const authMode of ['api-keys', 'aws-iam'] as const) {
      const { stack } = buildStack({ config: NO_BEDROCK_CONFIG, props: { authMode } });
      expect(new UnderstudyChecks().validateScope(stack).violations).toEqual([]);
    }
  });

  it('rejects a public URL in front of a function that does not check client keys', () => {
    const stack = new Stack(new App(), 'Open');
    plainFunction(stack, { UNDERSTUDY_AUTH_MODE: 'aws-iam' }).addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    const report = new UnderstudyChecks().validateScope(stack);
    expect(report.success).toBe(false);
    expect(report.violations.map((v) => v.ruleName)).toEqual(['Understudy-FunctionUrlAuth']);
  });

  it('accepts a public URL when the function checks client keys, and any AWS_IAM URL', () => {
    const keys = new Stack(new App(), 'Keys');
    plainFunction(keys, { UNDERSTUDY_AUTH_MODE: 'api-keys' }).addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    expect(new UnderstudyChecks().validateScope(keys).success).toBe(true);
    const iam = new Stack(new App(), 'Iam');
    plainFunction(iam, {}).addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    expect(new UnderstudyChecks().validateScope(iam).success).toBe(true);
  });
});
