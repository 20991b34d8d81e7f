import { Stack } from 'aws-cdk-lib';
import { Alarm, CompositeAlarm, TreatMissingData, type ComparisonOperator, type IAlarmRule, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Severity } from '../settings.ts';
import { alarmDescription, type RunbookKey } from './runbook.ts';

/** Where an alarm goes: a topic, or nowhere when it only feeds composite alarms. */
export type Routing = Severity | 'input';

/**
 * Shared defaults. Two of three one-minute periods, because EMF metrics can arrive late or not at
 * all for a minute (CloudWatch's advice for Lambda); missing data is healthy for counters of bad
 * events. A heartbeat overrides this with BREACHING.
 */
export const ALARM_DEFAULTS = {
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  treatMissingData: TreatMissingData.NOT_BREACHING,
} as const;

export interface AlarmSpec {
  /** Stable, readable; becomes part of the alarm name and construct id. */
  name: string;
  /** What the alarm means, with its subject (provider, alias, target). */
  meaning: string;
  /** The runbook section: what to do, and the link. */
  runbook: RunbookKey;
  metric: IMetric;
  threshold: number;
  comparison: ComparisonOperator;
  routing: Routing;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  treatMissingData?: TreatMissingData;
}

export interface CompositeSpec {
  name: string;
  meaning: string;
  runbook: RunbookKey;
  rule: IAlarmRule;
  routing: Severity;
}

/**
 * The single place alarms are made: defaults applied, names prefixed with the stack name and the
 * routing, actions wired to the topic of the severity. Page alarms also notify when they clear, so
 * whoever was paged learns that it is over.
 */
export class AlarmFactory extends Construct {
  private readonly topics: Record<Severity, ITopic>;
  private readonly prefix: string;
  private readonly used = new Set<string>();
  private readonly runbookUrl: string;

  /** `runbookUrl`: the README (or its copy) whose alarms runbook the descriptions link to. */
  constructor(scope: Construct, id: string, topics: Record<Severity, ITopic>, runbookUrl: string) {
    super(scope, id);
    this.topics = topics;
    this.runbookUrl = runbookUrl;
    this.prefix = Stack.of(this).stackName;
  }

  alarm(spec: AlarmSpec): Alarm {
    const name = this.uniqueName(spec.routing, spec.name);
    const alarm = new Alarm(this, name, {
      alarmName: `${this.prefix}-${name}`,
      alarmDescription: alarmDescription(spec.meaning, spec.runbook, this.runbookUrl),
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods ?? ALARM_DEFAULTS.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? ALARM_DEFAULTS.datapointsToAlarm,
      treatMissingData: spec.treatMissingData ?? ALARM_DEFAULTS.treatMissingData,
    });
    if (spec.routing !== 'input') this.route(alarm, spec.routing);
    return alarm;
  }

  composite(spec: CompositeSpec): CompositeAlarm {
    const name = this.uniqueName(spec.routing, spec.name);
    const alarm = new CompositeAlarm(this, name, {
      compositeAlarmName: `${this.prefix}-${name}`,
      alarmDescription: alarmDescription(spec.meaning, spec.runbook, this.runbookUrl),
      alarmRule: spec.rule,
    });
    this.route(alarm, spec.routing);
    return alarm;
  }

  private route(alarm: Alarm | CompositeAlarm, severity: Severity): void {
    const action = new SnsAction(this.topics[severity]);
    alarm.addAlarmAction(action);
    if (severity === 'page') alarm.addOkAction(action);
  }

  /** Alarm names allow little punctuation in practice (they end up in ARNs and rule text). */
  private uniqueName(routing: Routing, name: string): string {
    const base = `${routing}-${name}`.replace(/[^A-Za-z0-9_.-]+/g, '-');
    let candidate = base;
    for (let n = 2; this.used.has(candidate); n++) candidate = `${base}-${n}`;
    this.used.add(candidate);
    return candidate;
  }
}
