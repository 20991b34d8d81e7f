import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { METRIC_NAMESPACE, SERVICE_NAME, type DIMENSIONS, type METRICS } from '../../functions/config/metric-names.ts';

export type MetricName = (typeof METRICS)[keyof typeof METRICS];
export type DimensionName = (typeof DIMENSIONS)[keyof typeof DIMENSIONS];

/** The one-minute period every alarm and graph uses: the functions emit at least that often. */
export const PERIOD = Duration.minutes(1);

/**
 * A metric exactly as the functions emit it with Powertools EMF. CloudWatch matches alarms on the
 * full dimension set, so `service` is always part of it, plus at most one domain dimension.
 */
export function understudyMetric(
  name: MetricName,
  statistic: string,
  dimension?: { name: DimensionName; value: string },
  label?: string,
): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME, ...(dimension ? { [dimension.name]: dimension.value } : {}) },
    statistic,
    period: PERIOD,
    ...(label ? { label } : {}),
  });
}
