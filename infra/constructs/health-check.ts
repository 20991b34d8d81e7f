import { Duration } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { UnderstudyFunction } from './understudy-function.ts';

/** One run probes twice, 30 s apart (a schedule cannot fire more often than once a minute). */
export const HEALTH_CHECK_TIMEOUT = Duration.seconds(70);

export interface HealthCheckProps {
  entry: string;
  logRetention: RetentionDays;
  environment: Record<string, string>;
  bundleMetafile: boolean;
}

/**
 * The health checker: an EventBridge Scheduler schedule invokes it every minute. Reserved concurrency
 * 1 keeps a slow run and the next one from probing (and opening breakers) twice. A missed run is
 * not retried: the next one is at most a minute away, and the heartbeat alarm notices silence.
 */
export class HealthCheck extends Construct {
  readonly function: UnderstudyFunction;
  readonly schedule: Schedule;

  get fn(): NodejsFunction {
    return this.function.fn;
  }

  constructor(scope: Construct, id: string, props: HealthCheckProps) {
    super(scope, id);
    this.function = new UnderstudyFunction(this, 'Checker', {
      entry: props.entry,
      description: 'Understudy health checker (probes providers, opens breakers early)',
      memorySize: 256,
      timeout: HEALTH_CHECK_TIMEOUT,
      reservedConcurrentExecutions: 1,
      logRetention: props.logRetention,
      environment: props.environment,
      bundleMetafile: props.bundleMetafile,
    });
    this.schedule = new Schedule(this, 'EveryMinute', {
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      description: 'Runs the Understudy health checker',
      target: new InvokeLatest(this.function.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
    });
  }
}

/**
 * LambdaInvoke grants the scheduler role every version of the function (`<arn>:*`); the schedule
 * only ever calls the unqualified function, so grant just that.
 */
export class InvokeLatest extends LambdaInvoke {
  private readonly latest: IFunction;

  constructor(fn: IFunction, props: ScheduleTargetBaseProps) {
    super(fn, props);
    this.latest = fn;
  }

  protected override addTargetActionToRole(role: IRole): void {
    this.latest.grantInvokeLatestVersion(role);
  }
}
