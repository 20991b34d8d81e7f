import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { IStringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { Config } from '../../functions/config/schema.ts';
import { aliasesSharing, chainOf } from '../../functions/drill/fault.ts';
import { InvokeLatest } from './health-check.ts';
import { DECRYPT_THROUGH_SSM_ACKNOWLEDGEMENT, decryptThroughSsm } from './provider-access.ts';
import { UnderstudyFunction } from './understudy-function.ts';

/**
 * Lambda's longest timeout. A drill waits for the L2 alarm to fire and to clear (minutes each); the
 * canary stops itself a minute before this to remove its fault in time.
 */
export const DRILL_TIMEOUT = Duration.minutes(15);

export interface DrillCanaryProps {
  entry: string;
  logRetention: RetentionDays;
  bundleMetafile: boolean;
  /** The drill-only alias (checked against `config` here, at synth). */
  alias: string;
  config: Config;
  scheduleHours: number;
  /** SecureString holding a proxy API key for the alias; the operator creates it. */
  keyParameterName: string;
  /** The config parameter the drill writes its fault to. */
  configParameter: IStringParameter;
  /** The proxy's function URL. */
  proxyUrl: string;
}

/**
 * The scheduled drill: `npm run drill` as a function, run every few hours against a drill-only alias
 * so the fallback path is exercised when nothing is wrong. Reserved concurrency 1: two drills would
 * fight over the config parameter. A failed drill throws and is not retried (neither by the
 * schedule nor by Lambda): it is reported by the drill-failed alarm, and the next run is scheduled.
 */
export class DrillCanary extends Construct {
  readonly function: UnderstudyFunction;
  readonly schedule: Schedule;
  readonly alias: string;

  get fn(): NodejsFunction {
    return this.function.fn;
  }

  constructor(scope: Construct, id: string, props: DrillCanaryProps) {
    super(scope, id);
    this.alias = props.alias;
    const problems = drillAliasProblems(props.config, props.alias);
    if (problems.length > 0) throw new Error(`drillAlias "${props.alias}" cannot be drilled:\n  ${problems.join('\n  ')}`);

    const stack = Stack.of(this);
    this.function = new UnderstudyFunction(this, 'Canary', {
      entry: props.entry,
      description: `Understudy drill canary (game day on alias ${props.alias})`,
      memorySize: 256,
      timeout: DRILL_TIMEOUT,
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      logRetention: props.logRetention,
      bundleMetafile: props.bundleMetafile,
      environment: {
        UNDERSTUDY_DRILL_URL: props.proxyUrl,
        UNDERSTUDY_DRILL_ALIAS: props.alias,
        UNDERSTUDY_DRILL_KEY_PARAMETER: props.keyParameterName,
        UNDERSTUDY_CONFIG_PARAMETER: props.configParameter.parameterName,
        // The alarm-name prefix (infra/constructs/alarm-factory.ts).
        UNDERSTUDY_STACK_NAME: stack.stackName,
      },
    });
    this.schedule = new Schedule(this, 'Every', {
      schedule: ScheduleExpression.rate(Duration.hours(props.scheduleHours)),
      description: `Runs the Understudy drill on alias ${props.alias}`,
      target: new InvokeLatest(this.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
    });

    const { partition, region, account } = stack;
    const alarms = `arn:${partition}:cloudwatch:${region}:${account}:alarm:*`;
    const access = new Policy(this, 'Access', {
      roles: [this.function.role],
      statements: [
        // Reads the config, writes the fault into it and takes it out again.
        new PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:PutParameter'], resources: [props.configParameter.parameterArn] }),
        new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [`arn:${partition}:ssm:${region}:${account}:parameter${props.keyParameterName}`] }),
        decryptThroughSsm(stack),
        new PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [alarms] }),
      ],
    });
    Validations.of(access).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*]',
        reason: 'DescribeAlarms is a read-only list call filtered by name prefix in the request; IAM matches it against every alarm of the account and region, so it cannot be narrowed to this stack\'s prefix.',
      },
      DECRYPT_THROUGH_SSM_ACKNOWLEDGEMENT,
    );
    const redrive = 'A failed drill is reported by the drill-failed alarm and its report is in the log; repeating it would only inject the fault again. The next scheduled run starts afresh.';
    Validations.of(this.fn).acknowledge(
      { id: 'Serverless-LambdaAsyncFailureDestination', reason: redrive },
      { id: 'Serverless-LambdaDLQ', reason: redrive },
      {
        id: 'Serverless-LambdaTracing',
        reason: 'The drill measures what it checks from the proxy\'s response headers and reports it in its log; a trace of its own HTTP calls adds nothing.',
      },
    );
  }
}

/**
 * Why an alias cannot be the scheduled drill's: it must exist, have a fallback, and its first
 * target's provider must serve no other alias (chain or shadow), or the daily fault would fail
 * real traffic too.
 */
export function drillAliasProblems(config: Config, alias: string): string[] {
  const chain = chainOf(config, alias);
  if ('error' in chain) return [chain.error];
  const provider = chain.targets[0]!.provider;
  const sharing = aliasesSharing(config, provider, alias);
  if (sharing.length === 0) return [];
  const kind = config.providers[provider]?.kind ?? 'openai';
  return [
    `its first target's provider "${provider}" also serves ${sharing.map((a) => `"${a}"`).join(', ')}: the drill's fault would fail their traffic too. ` +
      `Give the drill its own provider entry (e.g. "${provider}-drill: { kind: ${kind}, apiKey: <the same key> }") and use it as the drill alias's first target.`,
  ];
}
