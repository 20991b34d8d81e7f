/**
 * The alarms of a synthesized template, as data the replay can evaluate: metric alarms (one metric
 * or metric math) and composite alarms with their rule text resolved to alarm names.
 */
export interface MetricQuery {
  id: string;
  /** One metric with its full dimension set (a value that is not a plain string never matches). */
  metric?: { namespace: string; name: string; dimensions: Record<string, string | null>; statistic: string; periodS: number };
  expression?: string;
  returnData: boolean;
}

export type MissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

export interface MetricAlarmSpec {
  kind: 'metric';
  name: string;
  queries: MetricQuery[];
  periodS: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: string;
  treatMissingData: MissingData;
}

export interface CompositeAlarmSpec {
  kind: 'composite';
  name: string;
  /** The rule with alarm ARNs replaced by alarm names: `(ALARM("a") AND ALARM("b"))`. */
  rule: string;
}

export type AlarmSpec = MetricAlarmSpec | CompositeAlarmSpec;

type Json = Record<string, unknown>;
type Resources = Record<string, { Type: string; Properties?: Json }>;

export function alarmsOfTemplate(template: { Resources?: Resources }): AlarmSpec[] {
  const resources = template.Resources ?? {};
  const names = new Map<string, string>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::CloudWatch::Alarm' || r.Type === 'AWS::CloudWatch::CompositeAlarm') names.set(id, plain(r.Properties?.AlarmName) ?? id);
  }
  const specs: AlarmSpec[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::CloudWatch::CompositeAlarm') {
      specs.push({ kind: 'composite', name: names.get(id)!, rule: ruleText(p.AlarmRule, names) });
      continue;
    }
    if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
    const queries: MetricQuery[] = p.MetricName
      ? [{ id: 'm', returnData: true, metric: metricOf(p, (p.Statistic ?? p.ExtendedStatistic) as string, p.Period as number) }]
      : ((p.Metrics as Json[] | undefined) ?? []).map((q): MetricQuery => {
          const stat = q.MetricStat as Json | undefined;
          return {
            id: q.Id as string,
            returnData: q.ReturnData !== false,
            ...(q.Expression ? { expression: q.Expression as string } : {}),
            ...(stat ? { metric: metricOf(stat.Metric as Json, stat.Stat as string, stat.Period as number) } : {}),
          };
        });
    const periodS = (p.Period as number | undefined) ?? queries.find((q) => q.metric)?.metric?.periodS ?? 60;
    specs.push({
      kind: 'metric',
      name: names.get(id)!,
      queries,
      periodS,
      evaluationPeriods: p.EvaluationPeriods as number,
      datapointsToAlarm: (p.DatapointsToAlarm as number | undefined) ?? (p.EvaluationPeriods as number),
      threshold: p.Threshold as number,
      comparison: p.ComparisonOperator as string,
      treatMissingData: ((p.TreatMissingData as MissingData | undefined) ?? 'missing'),
    });
  }
  return specs;
}

function metricOf(m: Json, statistic: string, periodS: number): NonNullable<MetricQuery['metric']> {
  const dimensions = Object.fromEntries(((m.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? []).map((d) => [d.Name, plain(d.Value) ?? null]));
  return { namespace: m.Namespace as string, name: m.MetricName as string, dimensions, statistic, periodS };
}

function plain(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The AlarmRule: a string, or an Fn::Join of strings and Fn::GetAtt [alarm, Arn]. */
function ruleText(rule: unknown, names: Map<string, string>): string {
  if (typeof rule === 'string') return rule;
  const join = (rule as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`composite alarm rule not understood: ${JSON.stringify(rule)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const att = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (att && names.has(att[0])) return names.get(att[0])!;
      throw new Error(`composite alarm rule part not understood: ${JSON.stringify(part)}`);
    })
    .join(join[0]);
}
