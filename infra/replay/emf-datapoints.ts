/**
 * Datapoints out of EMF lines, as CloudWatch extracts them: each metric of each directive, for each
 * dimension set, with the dimension values read from the line's root and the line's timestamp.
 */
export interface Datapoint {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  timestamp: number;
  value: number;
}

interface EmfDirective {
  Namespace?: string;
  Dimensions?: string[][];
  Metrics?: { Name?: string }[];
}

/** Lines that are not EMF (log lines, blanks) are skipped, as CloudWatch Logs would. */
export function datapointsFromEmf(text: string): Datapoint[] {
  const points: Datapoint[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"_aws"')) continue;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const aws = doc._aws as { Timestamp?: number; CloudWatchMetrics?: EmfDirective[] } | undefined;
    if (!aws || typeof aws.Timestamp !== 'number') continue;
    for (const directive of aws.CloudWatchMetrics ?? []) {
      for (const set of directive.Dimensions ?? [[]]) {
        const dimensions = Object.fromEntries(set.map((name) => [name, String(doc[name])]));
        for (const metric of directive.Metrics ?? []) {
          if (!metric.Name) continue;
          const raw = doc[metric.Name];
          for (const value of Array.isArray(raw) ? raw : [raw]) {
            if (typeof value === 'number') points.push({ namespace: directive.Namespace ?? '', name: metric.Name, dimensions, timestamp: aws.Timestamp, value });
          }
        }
      }
    }
  }
  return points.sort((a, b) => a.timestamp - b.timestamp);
}
