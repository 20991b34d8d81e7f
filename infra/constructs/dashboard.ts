import { Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard as CwDashboard,
  GraphWidget,
  MathExpression,
  type IAlarm,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DIMENSIONS, METRICS } from '../../functions/config/metric-names.ts';
import { statusPageOf, type Config } from '../../functions/config/schema.ts';
import { targetName } from './layered-alarms.ts';
import { PERIOD, searchMetrics, understudyMetric, type DimensionName, type MetricName } from './understudy-metrics.ts';

export interface DashboardProps {
  config: Config;
  proxy: IFunction;
  health: IFunction;
  /** Alarms by layer, most severe first, for the status strip at the top. */
  alarms: { page: IAlarm[]; failover: IAlarm[]; warn: IAlarm[] };
}

/**
 * One dashboard for the on-call: alarm states first, then where traffic goes (per target), how often
 * it fails over, breaker and probe state, latency to first token, and errors.
 */
export class Dashboard extends Construct {
  readonly dashboard: CwDashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { config } = props;
    const aliases = Object.keys(config.aliases);
    const providers = Object.keys(config.providers);
    const targets = [...new Set(Object.values(config.aliases).flatMap((a) => a.targets.map(targetName)))];

    const each = (values: string[], dimension: DimensionName, name: MetricName, statistic: string, suffix = ''): IMetric[] =>
      values.map((value) => understudyMetric(name, statistic, { name: dimension, value }, `${value}${suffix}`));
    const graph = (title: string, left: IMetric[], right: IMetric[] = [], width = 8): GraphWidget =>
      new GraphWidget({ title, left, right, width, height: 6, period: PERIOD });

    const rows: IWidget[][] = [
      [
        new AlarmStatusWidget({
          title: 'Alarms (page, failover, warn)',
          alarms: [...props.alarms.page, ...props.alarms.failover, ...props.alarms.warn],
          width: 24,
          height: 4,
        }),
      ],
      [
        graph('Attempt successes per target', each(targets, DIMENSIONS.target, METRICS.attemptSuccesses, 'Sum')),
        graph('Attempt failures per target', each(targets, DIMENSIONS.target, METRICS.attemptFailures, 'Sum')),
        graph('Requests and errors per alias', each(aliases, DIMENSIONS.alias, METRICS.requests, 'Sum'), each(aliases, DIMENSIONS.alias, METRICS.requestErrors, 'Sum', ' errors')),
      ],
      [
        graph('Failovers per alias', each(aliases, DIMENSIONS.alias, METRICS.failovers, 'Sum')),
        graph('Served by fallback per alias', each(aliases, DIMENSIONS.alias, METRICS.servedByFallback, 'Sum')),
        graph('Chain exhausted per alias', each(aliases, DIMENSIONS.alias, METRICS.chainExhausted, 'Sum')),
      ],
      [
        graph('Breaker open per target (1 = open or half-open)', each(targets, DIMENSIONS.target, METRICS.breakerOpen, 'Maximum')),
        graph('Probe success per provider (0–1)', each(providers, DIMENSIONS.provider, METRICS.probeSuccess, 'Average')),
        graph('Probe latency per provider (p50 / p99, ms)', [
          ...each(providers, DIMENSIONS.provider, METRICS.probeLatency, 'p50', ' p50'),
          ...each(providers, DIMENSIONS.provider, METRICS.probeLatency, 'p99', ' p99'),
        ]),
      ],
      [
        graph('Time to first token per alias (p50 / p99, ms)', [
          ...each(aliases, DIMENSIONS.alias, METRICS.timeToFirstToken, 'p50', ' p50'),
          ...each(aliases, DIMENSIONS.alias, METRICS.timeToFirstToken, 'p99', ' p99'),
        ]),
        graph('Truncated answers per alias (failed after the commit point)', each(aliases, DIMENSIONS.alias, METRICS.truncated, 'Sum')),
        graph('Degraded dependencies and health heartbeat', [
          understudyMetric(METRICS.breakerStoreDegraded, 'Sum', undefined, 'breaker store degraded'),
          understudyMetric(METRICS.configSourceDegraded, 'Sum', undefined, 'config source degraded'),
          understudyMetric(METRICS.configRejected, 'Sum', undefined, 'config rejected'),
          understudyMetric(METRICS.keyStoreDegraded, 'Sum', undefined, 'key store degraded'),
        ], [understudyMetric(METRICS.healthHeartbeat, 'SampleCount', undefined, 'health heartbeats')]),
      ],
      [
        graph('Proxy function: errors and throttles', [
          props.proxy.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'errors' }),
          props.proxy.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'throttles' }),
        ], [props.proxy.metric('ConcurrentExecutions', { period: PERIOD, statistic: 'Maximum', label: 'concurrency' })], 12),
        graph('Health checker: errors and duration', [props.health.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'errors' })], [
          props.health.metricDuration({ period: PERIOD, statistic: 'Maximum', label: 'duration (max)' }),
        ], 12),
      ],
    ];
    // Where traffic goes and why it fails: errors by reason (values unknown at synth: a search),
    // the configured position that served (1 = the primary), continuations and hedges.
    rows.push([
      graph('Errors by reason (all aliases)', [searchMetrics(METRICS.errorsByReason, [DIMENSIONS.alias, DIMENSIONS.reason], 'Sum')]),
      graph('Continuations and hedges (all aliases)', [
        searchMetrics(METRICS.streamsContinued, [DIMENSIONS.alias], 'Sum'),
        searchMetrics(METRICS.continuationFailed, [DIMENSIONS.alias], 'Sum'),
        searchMetrics(METRICS.hedged, [DIMENSIONS.alias], 'Sum'),
        searchMetrics(METRICS.hedgeWon, [DIMENSIONS.alias], 'Sum'),
      ]),
      graph(
        'Status pages (0 operational, 1 degraded, 2 partial, 3 major outage)',
        each(providers.filter((name) => statusPageOf(config.providers[name]!)), DIMENSIONS.provider, METRICS.statusPage, 'Maximum'),
      ),
    ]);
    rows.push(
      aliases.map((alias) =>
        graph(
          `Served by position: ${alias}`,
          config.aliases[alias]!.targets.map((target, i) =>
            understudyMetric(METRICS.servedByPosition, 'Sum', [{ name: DIMENSIONS.alias, value: alias }, { name: DIMENSIONS.position, value: String(i + 1) }], `${i + 1}: ${targetName(target)}`),
          ),
        ),
      ),
    );
    // Cost and routing (core/routing/): what each alias spent, what its own chain would have spent
    // for the same usage (the default route), the saving, and where the routes sent the traffic.
    const hourly = Duration.hours(1);
    rows.push([
      new GraphWidget({
        title: 'Cost per alias (USD per hour) and the default route\'s cost for the same usage',
        left: [...each(aliases, DIMENSIONS.alias, METRICS.costUsd, 'Sum'), ...each(aliases, DIMENSIONS.alias, METRICS.defaultRouteCostUsd, 'Sum', ' on the default route')],
        width: 8,
        height: 6,
        period: hourly,
      }),
      new GraphWidget({
        title: 'Saving of routing per alias (USD per hour: default route − actual)',
        left: aliases.map(
          (alias, i) =>
            new MathExpression({
              expression: `d${i} - c${i}`,
              usingMetrics: {
                [`d${i}`]: understudyMetric(METRICS.defaultRouteCostUsd, 'Sum', { name: DIMENSIONS.alias, value: alias }),
                [`c${i}`]: understudyMetric(METRICS.costUsd, 'Sum', { name: DIMENSIONS.alias, value: alias }),
              },
              label: alias,
              period: hourly,
            }),
        ),
        width: 8,
        height: 6,
        period: hourly,
      }),
      graph('Requests per route, and cost per route and target (all aliases)', [searchMetrics(METRICS.routeRequests, [DIMENSIONS.alias, DIMENSIONS.route], 'Sum')], [
        searchMetrics(METRICS.costUsd, [DIMENSIONS.alias, DIMENSIONS.route, DIMENSIONS.target], 'Sum'),
      ]),
    ]);
    // Shadow traffic (core/shadow.ts): drawn only when some alias shadows, so others see no empty graphs.
    const shadowed = aliases.filter((name) => config.aliases[name]!.shadow);
    if (shadowed.length > 0) {
      rows.push([
        graph('Shadow similarity per alias (0–1, average)', each(shadowed, DIMENSIONS.alias, METRICS.shadowSimilarity, 'Average')),
        graph('Shadow failures per alias', each(shadowed, DIMENSIONS.alias, METRICS.shadowFailures, 'Sum'), each(shadowed, DIMENSIONS.alias, METRICS.shadowRequests, 'Sum', ' shadowed')),
        graph('Shadow latency delta per alias (p50, ms, shadow minus served)', each(shadowed, DIMENSIONS.alias, METRICS.shadowLatencyDelta, 'p50', ' p50')),
      ]);
    }
    this.dashboard = new CwDashboard(this, 'Dashboard', { dashboardName: Stack.of(this).stackName, widgets: rows });
  }
}
