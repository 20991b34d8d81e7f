import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
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
  dimension?: { name: DimensionName; value: string } | { name: DimensionName; value: string }[],
  label?: string,
): Metric {
  const dimensions = dimension === undefined ? [] : Array.isArray(dimension) ? dimension : [dimension];
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME, ...Object.fromEntries(dimensions.map((d) => [d.name, d.value])) },
    statistic,
    period: PERIOD,
    ...(label ? { label } : {}),
  });
}

/**
 * Every series of `name` that carries exactly `dimensions` (plus `service`), whatever their values:
 * for dimensions whose values are not known at synth (error reasons) or graphs over all aliases.
 * Dashboards only (alarms cannot use SEARCH).
 */
export function searchMetrics(name: MetricName, dimensions: DimensionName[], statistic: string, label?: string): MathExpression {
  const schema = [METRIC_NAMESPACE, ...dimensions, 'service'].join(',');
  return new MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${name}"', '${statistic}', ${PERIOD.toSeconds()})`,
    usingMetrics: {},
    period: PERIOD,
    ...(label ? { label } : {}),
  });
}
