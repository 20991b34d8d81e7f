import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmSeen {
  name: string;
  state: AlarmState;
}

/** Reads the states of the L2 (failover) alarms that concern the drilled alias and its primary target. */
export interface AlarmReader {
  readonly description: string;
  failoverAlarms(primary: string, signal?: AbortSignal): Promise<AlarmSeen[]>;
}

/** As infra/constructs/alarm-factory.ts spells a name part. */
function namePart(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]+/g, '-');
}

/**
 * The stack's alarms are named `<stack>-<routing>-<what>`; the routing part depends on the stack's
 * settings (a drill alias's alarms notify nobody), so the drill matches on what the alarm is about:
 * `served-by-fallback-<alias>` and `breaker-open-<primary target>`.
 */
export function isFailoverAlarmOf(name: string, alias: string, primary: string): boolean {
  return [`served-by-fallback-${namePart(alias)}`, `breaker-open-${namePart(primary)}`].some((what) => name.endsWith(`-${what}`));
}

export function cloudWatchAlarms(client: CloudWatchClient, stackName: string, alias: string): AlarmReader {
  return {
    description: `CloudWatch alarms of stack ${stackName}`,
    async failoverAlarms(primary, signal) {
      const seen: AlarmSeen[] = [];
      let nextToken: string | undefined;
      do {
        const out = await client.send(
          new DescribeAlarmsCommand({ AlarmNamePrefix: `${stackName}-`, AlarmTypes: ['MetricAlarm'], ...(nextToken ? { NextToken: nextToken } : {}) }),
          signal ? { abortSignal: signal } : {},
        );
        for (const alarm of out.MetricAlarms ?? []) {
          if (alarm.AlarmName && alarm.StateValue && isFailoverAlarmOf(alarm.AlarmName, alias, primary)) {
            seen.push({ name: alarm.AlarmName, state: alarm.StateValue as AlarmState });
          }
        }
        nextToken = out.NextToken;
      } while (nextToken);
      return seen;
    },
  };
}
