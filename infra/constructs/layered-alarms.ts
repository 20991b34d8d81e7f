import { Duration } from 'aws-cdk-lib';
import {
  AlarmRule,
  AlarmState,
  ComparisonOperator,
  MathExpression,
  TreatMissingData,
  type Alarm,
  type CompositeAlarm,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DIMENSIONS, METRICS } from '../../functions/config/metric-names.ts';
import { statusPageOf, type Config } from '../../functions/config/schema.ts';
import type { AlarmFactory } from './alarm-factory.ts';
import { PERIOD, understudyMetric } from './understudy-metrics.ts';

export interface LayeredAlarmsProps {
  config: Config;
  factory: AlarmFactory;
  proxy: IFunction;
  health: IFunction;
  /** The scheduled drill: its alias's alarms are expected to fire daily and must not notify as real ones. */
  drill?: { alias: string; fn: IFunction };
}

/** `provider/model`, as the functions name a target in the `Target` dimension. */
export function targetName(target: { provider: string; model: string }): string {
  return `${target.provider}/${target.model}`;
}

/** A fallback target failing this share of its attempts counts towards a page. */
export const FALLBACK_FAILURE_RATE_PERCENT = 50;

/**
 * The three alert layers.
 *  L1 warn     – something is degraded but traffic is served as configured (a provider's probes fail,
 *                DynamoDB or SSM degraded, the functions error or throttle).
 *  L2 failover – the proxy is routing around trouble (a breaker is open, an alias is served by a
 *                fallback). Worth knowing, nobody needs to wake up.
 *  L3 page     – users are, or are about to be, affected: an alias's chain ran out, an alias runs on
 *                its fallback while that fallback is itself failing, or the health checker is silent.
 * The drill alias carries no user traffic and fails over on purpose: its L2 alarms only keep state
 * (the drill reads them), its L3 alarms and a failed drill go to warn.
 */
export class LayeredAlarms extends Construct {
  readonly warn: (Alarm | CompositeAlarm)[] = [];
  readonly failover: Alarm[] = [];
  readonly page: (Alarm | CompositeAlarm)[] = [];

  constructor(scope: Construct, id: string, props: LayeredAlarmsProps) {
    super(scope, id);
    const { config, factory } = props;
    const drillAlias = props.drill?.alias;
    /** Targets no other alias routes to: their breaker opening is the drill's doing. */
    const drillOnly = (name: string) =>
      drillAlias !== undefined &&
      Object.entries(config.aliases).every(([alias, a]) => alias === drillAlias || !a.targets.some((t) => targetName(t) === name));
    const count = (name: Parameters<typeof understudyMetric>[0], dimension?: Parameters<typeof understudyMetric>[2]) =>
      understudyMetric(name, 'Sum', dimension);
    const atLeastOne = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;

    // ── L1 warn ──────────────────────────────────────────────────────────────────────────────
    for (const provider of Object.keys(config.providers)) {
      this.warn.push(
        factory.alarm({
          name: `probe-${provider}`,
          meaning: `Health probes of provider ${provider} are failing (average success below 100 % in 2 of 3 minutes).`,
          runbook: 'probe',
          // Missing probes are the heartbeat alarm's business, not a provider's.
          metric: understudyMetric(METRICS.probeSuccess, 'Average', { name: DIMENSIONS.provider, value: provider }),
          threshold: 1,
          comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
          routing: 'warn',
        }),
      );
    }
    for (const [provider, settings] of Object.entries(config.providers)) {
      if (!statusPageOf(settings)) continue;
      this.warn.push(
        factory.alarm({
          name: `status-page-${provider}`,
          meaning: `The status page of provider ${provider} reports its API components degraded or in an outage (2 of 3 minutes; an unreadable page counts as no data).`,
          runbook: 'statusPage',
          metric: understudyMetric(METRICS.statusPage, 'Maximum', { name: DIMENSIONS.provider, value: provider }),
          threshold: 1,
          comparison: atLeastOne,
          routing: 'warn',
        }),
      );
    }
    for (const [provider, settings] of Object.entries(config.providers)) {
      if (!settings.apiKey?.startsWith('ssm:')) continue;
      this.warn.push(
        factory.alarm({
          name: `key-missing-${provider}`,
          meaning: `The key parameter of provider ${provider} (${settings.apiKey.slice(4)}) does not exist: its targets are skipped.`,
          runbook: 'keyMissing',
          metric: count(METRICS.providerKeyMissing, { name: DIMENSIONS.provider, value: provider }),
          threshold: 1,
          comparison: atLeastOne,
          routing: 'warn',
          // Reported when routes are compiled (every 5 minutes per instance): any in 10 minutes.
          evaluationPeriods: 10,
          datapointsToAlarm: 1,
        }),
      );
    }
    for (const alias of Object.keys(config.aliases)) {
      this.warn.push(
        factory.alarm({
          name: `truncated-${alias}`,
          meaning: `Answers of alias ${alias} failed after the commit point: callers got an in-band error mid-answer (2 of 3 minutes).`,
          runbook: 'truncated',
          metric: count(METRICS.truncated, { name: DIMENSIONS.alias, value: alias }),
          threshold: 1,
          comparison: atLeastOne,
          routing: alias === drillAlias ? 'input' : 'warn',
        }),
      );
    }
    this.warn.push(
      factory.alarm({
        name: 'config-rejected',
        meaning: 'A configuration document in the config parameter failed validation as a whole and was not applied.',
        runbook: 'configRejected',
        metric: count(METRICS.configRejected),
        threshold: 1,
        comparison: atLeastOne,
        routing: 'warn',
        // One rejected document is enough to say so.
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
      }),
      factory.alarm({
        name: 'key-store-degraded',
        meaning: 'Reading provider keys, client key records or the operator key hash from SSM is failing.',
        runbook: 'keyStore',
        metric: count(METRICS.keyStoreDegraded),
        threshold: 1,
        comparison: atLeastOne,
        routing: 'warn',
      }),
      factory.alarm({
        name: 'breaker-store-degraded',
        meaning: 'The breaker store (DynamoDB) is failing; the proxy runs on in-memory breakers and the configured order.',
        runbook: 'breakerStore',
        metric: count(METRICS.breakerStoreDegraded),
        threshold: 1,
        comparison: atLeastOne,
        routing: 'warn',
      }),
      factory.alarm({
        name: 'config-source-degraded',
        meaning: 'Reading the config parameter (SSM) is failing, or a pushed document was rejected; the proxy serves the last good or the bundled config.',
        runbook: 'configSource',
        metric: count(METRICS.configSourceDegraded),
        threshold: 1,
        comparison: atLeastOne,
        routing: 'warn',
      }),
      factory.alarm({
        name: 'proxy-errors',
        meaning: 'The proxy function itself failed (crash or timeout, not an upstream error).',
        runbook: 'proxyErrors',
        metric: props.proxy.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        comparison: atLeastOne,
        routing: 'warn',
      }),
      factory.alarm({
        name: 'proxy-throttles',
        meaning: 'Proxy invocations are throttled (reserved or account concurrency exhausted).',
        runbook: 'proxyThrottles',
        metric: props.proxy.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        comparison: atLeastOne,
        routing: 'warn',
      }),
      factory.alarm({
        name: 'health-errors',
        meaning: 'The health checker function failed (crash or timeout).',
        runbook: 'healthErrors',
        metric: props.health.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: 1,
        comparison: atLeastOne,
        routing: 'warn',
      }),
    );

    // ── L2 failover ──────────────────────────────────────────────────────────────────────────
    const breakerOpen = new Map<string, Alarm>();
    for (const alias of Object.values(config.aliases)) {
      for (const target of alias.targets) {
        const name = targetName(target);
        if (breakerOpen.has(name)) continue;
        const alarm = factory.alarm({
          name: `breaker-open-${name}`,
          meaning: `The breaker of target ${name} is open (or half-open while requests still skip it): traffic goes around it.`,
          runbook: 'breakerOpen',
          metric: understudyMetric(METRICS.breakerOpen, 'Maximum', { name: DIMENSIONS.target, value: name }),
          threshold: 1,
          comparison: atLeastOne,
          routing: drillOnly(name) ? 'input' : 'failover',
          // A gauge: open at any point in either of the last two minutes (tolerates one late datapoint).
          evaluationPeriods: 2,
          datapointsToAlarm: 1,
        });
        breakerOpen.set(name, alarm);
        this.failover.push(alarm);
      }
    }
    const servedByFallback = new Map<string, Alarm>();
    for (const [alias, { targets }] of Object.entries(config.aliases)) {
      if (targets.length < 2) continue; // nothing to fall back to
      const alarm = factory.alarm({
        name: `served-by-fallback-${alias}`,
        meaning: `Alias ${alias} is being served by a target other than its first (2 of 3 minutes).`,
        runbook: 'servedByFallback',
        metric: count(METRICS.servedByFallback, { name: DIMENSIONS.alias, value: alias }),
        threshold: 1,
        comparison: atLeastOne,
        routing: alias === drillAlias ? 'input' : 'failover',
      });
      servedByFallback.set(alias, alarm);
      this.failover.push(alarm);
    }

    // ── L3 page ──────────────────────────────────────────────────────────────────────────────
    const failureRate = new Map<string, Alarm>();
    const fallbackFailing = (name: string): Alarm => {
      const existing = failureRate.get(name);
      if (existing) return existing;
      const alarm = factory.alarm({
        name: `failure-rate-${name}`,
        meaning: `Target ${name} fails at least ${FALLBACK_FAILURE_RATE_PERCENT} % of its attempts (input of the page alarms).`,
        runbook: 'failureRate',
        metric: attemptFailureRate(name),
        threshold: FALLBACK_FAILURE_RATE_PERCENT,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        routing: 'input',
      });
      failureRate.set(name, alarm);
      return alarm;
    };
    for (const [alias, { targets }] of Object.entries(config.aliases)) {
      const routing = alias === drillAlias ? 'warn' : 'page';
      const layer = routing === 'page' ? this.page : this.warn;
      const served = servedByFallback.get(alias);
      if (served) {
        const fallbacks = [...new Set(targets.slice(1).map(targetName))];
        const trouble = fallbacks.flatMap((name) => [breakerOpen.get(name)!, fallbackFailing(name)]);
        layer.push(
          factory.composite({
            name: `fallback-failing-${alias}`,
            meaning: `Alias ${alias} runs on its fallbacks and a fallback is itself open or failing: the chain is about to run out.`,
            runbook: 'fallbackFailing',
            rule: AlarmRule.allOf(AlarmRule.fromAlarm(served, AlarmState.ALARM), AlarmRule.anyOf(...trouble)),
            routing,
          }),
        );
      }
      layer.push(
        factory.alarm({
          name: `chain-exhausted-${alias}`,
          meaning: `Requests to alias ${alias} found no target that could serve them (2 of 3 minutes).`,
          runbook: 'chainExhausted',
          metric: count(METRICS.chainExhausted, { name: DIMENSIONS.alias, value: alias }),
          threshold: 1,
          comparison: atLeastOne,
          routing,
        }),
      );
    }
    if (props.drill) {
      this.warn.push(
        factory.alarm({
          name: 'drill-failed',
          meaning: `The scheduled drill on alias ${props.drill.alias} failed a step (or could not run).`,
          runbook: 'drillFailed',
          // One datapoint per hour: a drill runs at most hourly and takes minutes.
          metric: props.drill.fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
          threshold: 1,
          comparison: atLeastOne,
          routing: 'warn',
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
        }),
      );
    }
    this.page.push(
      factory.alarm({
        name: 'health-check-silent',
        meaning: 'The health checker has not reported for 3 minutes.',
        runbook: 'healthSilent',
        metric: understudyMetric(METRICS.healthHeartbeat, 'SampleCount'),
        threshold: 1,
        comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
        routing: 'page',
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: TreatMissingData.BREACHING,
      }),
    );
  }
}

/** Percentage of a target's attempts that failed in each minute; 0 when it had no attempts. */
export function attemptFailureRate(target: string): IMetric {
  const dimension = { name: DIMENSIONS.target, value: target };
  return new MathExpression({
    expression: 'IF((FILL(f, 0) + FILL(s, 0)) > 0, 100 * FILL(f, 0) / (FILL(f, 0) + FILL(s, 0)), 0)',
    usingMetrics: {
      f: understudyMetric(METRICS.attemptFailures, 'Sum', dimension),
      s: understudyMetric(METRICS.attemptSuccesses, 'Sum', dimension),
    },
    period: PERIOD,
    label: `${target} failure rate (%)`,
  });
}
