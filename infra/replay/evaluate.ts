import type { Datapoint } from './emf-datapoints.ts';
import { evaluateExpression, parseExpression } from './metric-math.ts';
import type { AlarmSpec, CompositeAlarmSpec, MetricAlarmSpec, MetricQuery } from './template-alarms.ts';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface StateChange {
  /** End of the evaluated period (ms since the epoch). */
  at: number;
  alarm: string;
  from: AlarmState;
  to: AlarmState;
  /** The window's values, oldest first (`-` missing), for a metric alarm. */
  values?: (number | undefined)[];
}

/**
 * CloudWatch's evaluation, replayed once per minute over the datapoints: each metric alarm takes the
 * last `evaluationPeriods` periods (aligned to the period), computes the statistic (or the metric
 * math) per period, treats missing periods as `treatMissingData` says, and is in ALARM when at least
 * `datapointsToAlarm` of them breach; composite rules are evaluated after the metric alarms of the
 * same minute. Every alarm starts OK, as a quiet stack's alarms are.
 */
export function replayAlarms(alarms: AlarmSpec[], points: Datapoint[], options: { from?: number; until?: number } = {}): StateChange[] {
  if (points.length === 0 && (options.from === undefined || options.until === undefined)) return [];
  const minute = 60_000;
  const from = Math.floor((options.from ?? points[0]!.timestamp) / minute) * minute;
  const until = options.until ?? Math.floor(points[points.length - 1]!.timestamp / minute) * minute + minute;
  const index = indexPoints(points);
  const states = new Map<string, AlarmState>(alarms.map((a) => [a.name, 'OK']));
  const changes: StateChange[] = [];
  const metricAlarms = alarms.filter((a): a is MetricAlarmSpec => a.kind === 'metric');
  const composites = alarms.filter((a): a is CompositeAlarmSpec => a.kind === 'composite');
  const rules = new Map(composites.map((c) => [c.name, parseRule(c.rule)]));
  for (let at = from + minute; at <= until; at += minute) {
    for (const alarm of metricAlarms) {
      const { state, values } = evaluateMetricAlarm(alarm, index, at, states.get(alarm.name)!);
      record(alarm.name, state, values);
    }
    // Composites of composites settle in a few passes.
    for (let pass = 0; pass < 3; pass++) {
      for (const composite of composites) record(composite.name, rules.get(composite.name)!(states) ? 'ALARM' : 'OK');
    }
    function record(name: string, state: AlarmState, values?: (number | undefined)[]) {
      const before = states.get(name)!;
      if (before === state) return;
      states.set(name, state);
      changes.push({ at, alarm: name, from: before, to: state, ...(values ? { values } : {}) });
    }
  }
  return changes;
}

type Index = Map<string, Datapoint[]>;

function seriesKey(namespace: string, name: string, dimensions: Record<string, string | null>): string {
  return JSON.stringify([namespace, name, Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b))]);
}

function indexPoints(points: Datapoint[]): Index {
  const index: Index = new Map();
  for (const p of points) {
    const key = seriesKey(p.namespace, p.name, p.dimensions);
    const list = index.get(key) ?? [];
    list.push(p);
    index.set(key, list);
  }
  return index;
}

/** The statistic of one metric over [start, end); undefined when no datapoint fell in it. */
function statistic(index: Index, metric: NonNullable<MetricQuery['metric']>, start: number, end: number): number | undefined {
  // An alarm matches only the exact dimension set that was emitted (a token value never does).
  if (Object.values(metric.dimensions).some((v) => v === null)) return undefined;
  const values = (index.get(seriesKey(metric.namespace, metric.name, metric.dimensions)) ?? []).filter((p) => p.timestamp >= start && p.timestamp < end).map((p) => p.value);
  if (values.length === 0) return undefined;
  const stat = metric.statistic;
  if (stat === 'Sum') return values.reduce((a, b) => a + b, 0);
  if (stat === 'Average') return values.reduce((a, b) => a + b, 0) / values.length;
  if (stat === 'Maximum') return Math.max(...values);
  if (stat === 'Minimum') return Math.min(...values);
  if (stat === 'SampleCount') return values.length;
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (percentile) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((Number(percentile[1]) / 100) * sorted.length) - 1)];
  }
  throw new Error(`statistic ${stat} is not supported by the replay`);
}

function periodValue(alarm: MetricAlarmSpec, index: Index, start: number, end: number): number | undefined {
  const values = new Map<string, number | undefined>();
  for (const q of alarm.queries) if (q.metric) values.set(q.id, statistic(index, q.metric, start, end));
  for (const q of alarm.queries) if (q.expression) values.set(q.id, evaluateExpression(parseExpression(q.expression), (id) => values.get(id)));
  const returned = alarm.queries.find((q) => q.returnData) ?? alarm.queries[0];
  return returned ? values.get(returned.id) : undefined;
}

const COMPARE: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

function evaluateMetricAlarm(alarm: MetricAlarmSpec, index: Index, at: number, current: AlarmState): { state: AlarmState; values: (number | undefined)[] } {
  const period = alarm.periodS * 1000;
  const last = Math.floor(at / period) * period;
  const values: (number | undefined)[] = [];
  for (let i = alarm.evaluationPeriods; i >= 1; i--) {
    const end = last - (i - 1) * period;
    values.push(periodValue(alarm, index, end - period, end));
  }
  const compare = COMPARE[alarm.comparison];
  if (!compare) throw new Error(`comparison ${alarm.comparison} is not supported by the replay`);
  const present = values.filter((v): v is number => v !== undefined);
  const missing = values.length - present.length;
  let breaching = present.filter((v) => compare(v, alarm.threshold)).length;
  if (present.length === 0) {
    if (alarm.treatMissingData === 'missing') return { state: 'INSUFFICIENT_DATA', values };
    if (alarm.treatMissingData === 'ignore') return { state: current, values };
  }
  if (alarm.treatMissingData === 'breaching') breaching += missing;
  return { state: breaching >= alarm.datapointsToAlarm ? 'ALARM' : 'OK', values };
}

/** A composite rule (ALARM/OK/INSUFFICIENT_DATA("name"), TRUE, FALSE, AND, OR, NOT, parentheses) as a predicate. */
function parseRule(text: string): (states: Map<string, AlarmState>) => boolean {
  const tokens = text.match(/(ALARM|OK|INSUFFICIENT_DATA)\("[^"]*"\)|TRUE|FALSE|AND|OR|NOT|\(|\)/g) ?? [];
  let at = 0;
  type Pred = (s: Map<string, AlarmState>) => boolean;
  const or = (): Pred => {
    let left = and();
    while (tokens[at] === 'OR') {
      at++;
      const l = left;
      const r = and();
      left = (s) => l(s) || r(s);
    }
    return left;
  };
  const and = (): Pred => {
    let left = not();
    while (tokens[at] === 'AND') {
      at++;
      const l = left;
      const r = not();
      left = (s) => l(s) && r(s);
    }
    return left;
  };
  const not = (): Pred => {
    if (tokens[at] === 'NOT') {
      at++;
      const inner = not();
      return (s) => !inner(s);
    }
    return atom();
  };
  const atom = (): Pred => {
    const token = tokens[at++];
    if (token === '(') {
      const inner = or();
      at++; // ')'
      return inner;
    }
    if (token === 'TRUE') return () => true;
    if (token === 'FALSE') return () => false;
    const m = /^(ALARM|OK|INSUFFICIENT_DATA)\("([^"]*)"\)$/.exec(token ?? '');
    if (!m) throw new Error(`composite rule not understood: ${text}`);
    const [, state, name] = m;
    return (s) => s.get(name!) === state;
  };
  return or();
}
