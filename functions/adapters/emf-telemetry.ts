import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DIMENSIONS, METRIC_NAMESPACE, METRICS, SERVICE_NAME } from '../config/metric-names.ts';
import { boundedForLog, boundedText, MAX_LOGGED_MESSAGE_CHARS } from '../core/log-bounds.ts';
import { CLIENT_GONE, HEDGE_LOST, systemClock, type Clock, type RequestRecord, type Telemetry } from '../core/ports.ts';

export interface EmfTelemetryOptions {
  metrics?: Metrics;
  logger?: Logger;
  /** Stamps each metric with the time it was recorded (not the time of the flush). */
  clock?: Clock;
  /**
   * Where EMF lines go instead of stdout: the local server's `--emf-file`, read back by
   * `npm run alarms -- replay`. The lines are exactly those Lambda would write.
   */
  sink?: (line: string) => void;
}

/**
 * Telemetry on CloudWatch: Embedded Metric Format through Powertools Metrics (one EMF line per
 * dimension set) and JSON log lines through Powertools Logger. Metric names and dimensions come
 * from config/metric-names.ts, which the stack's alarms read too. Nothing here sees content.
 */
export class EmfTelemetry implements Telemetry {
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Everything is buffered until flush(): on Lambda, after the response body has been written. */
  private pending: (() => void)[] = [];
  private readonly clock: Clock;
  private readonly sink: ((line: string) => void) | undefined;
  /** When the record being published was made. */
  private stamp = 0;

  constructor(options: EmfTelemetryOptions = {}) {
    this.metrics = options.metrics ?? new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });
    this.logger = options.logger ?? new Logger({ serviceName: SERVICE_NAME });
    this.clock = options.clock ?? systemClock;
    this.sink = options.sink;
  }

  request(record: RequestRecord): void {
    // Bounded once here: the log line and the metric dimensions (Alias) both carry caller input.
    const bounded = boundedForLog(record);
    this.defer(() => this.publishRequest(bounded));
  }

  private defer(publish: () => void): void {
    const at = this.clock.now();
    this.pending.push(() => {
      this.stamp = at;
      publish();
    });
  }

  private publishRequest(record: RequestRecord): void {
    const alias = record.alias || '(none)';
    const served = record.servedBy;
    const tried = [...new Set(record.attempts.filter((a) => !a.outcome.startsWith('skipped')).map((a) => a.target))];
    const failedOver = tried.length > 1 || (served !== undefined && !served.primary);
    // A caller that hung up is nobody's error: it must not move an error-rate alarm.
    const failed = (record.status >= 400 || record.truncated === true) && !record.cancelled;
    this.emit({ [DIMENSIONS.alias]: alias }, (m) => {
      m.addMetric(METRICS.requests, MetricUnit.Count, 1);
      m.addMetric(METRICS.requestErrors, MetricUnit.Count, failed ? 1 : 0);
      m.addMetric(METRICS.servedByFallback, MetricUnit.Count, served && !served.primary ? 1 : 0);
      m.addMetric(METRICS.failovers, MetricUnit.Count, failedOver ? 1 : 0);
      m.addMetric(METRICS.chainExhausted, MetricUnit.Count, record.exhausted ? 1 : 0);
      m.addMetric(METRICS.truncated, MetricUnit.Count, record.truncated ? 1 : 0);
      if (record.hedged) {
        m.addMetric(METRICS.hedged, MetricUnit.Count, 1);
        m.addMetric(METRICS.hedgeWon, MetricUnit.Count, record.hedgeWon ? 1 : 0);
      }
      if (record.continued) m.addMetric(METRICS.streamsContinued, MetricUnit.Count, record.continued);
      if (record.continuationFailed) m.addMetric(METRICS.continuationFailed, MetricUnit.Count, 1);
      if (record.timeToFirstTokenMs !== undefined) m.addMetric(METRICS.timeToFirstToken, MetricUnit.Milliseconds, record.timeToFirstTokenMs);
      m.addMetric(METRICS.duration, MetricUnit.Milliseconds, record.durationMs);
    });
    if (failed) {
      const reason = record.truncated ? 'truncated' : (record.errorType ?? String(record.status));
      this.emit({ [DIMENSIONS.alias]: alias, [DIMENSIONS.reason]: reason }, (m) => m.addMetric(METRICS.errorsByReason, MetricUnit.Count, 1));
    }
    if (served?.position !== undefined) {
      this.emit({ [DIMENSIONS.alias]: alias, [DIMENSIONS.position]: String(served.position) }, (m) => m.addMetric(METRICS.servedByPosition, MetricUnit.Count, 1));
    }
    if (failedOver && served && tried[0]) {
      const to = `${served.provider}/${served.model}`;
      this.emit({ [DIMENSIONS.alias]: alias, [DIMENSIONS.from]: tried[0], [DIMENSIONS.to]: to }, (m) => m.addMetric(METRICS.failoverPaths, MetricUnit.Count, 1));
    }
    for (const attempt of record.attempts) {
      // A skip says the breaker is open (or busy probing, or forced); a real attempt, except the
      // panic one, says it let traffic through. Both feed the BreakerOpen gauge the L2 alarm reads.
      const skipped = attempt.outcome.startsWith('skipped') && attempt.outcome !== 'skipped-cooldown';
      this.emit({ [DIMENSIONS.target]: attempt.target }, (m) => {
        // An attempt the caller's hang-up ended tells nothing of the target's health.
        if (!attempt.outcome.startsWith('skipped') && attempt.outcome !== CLIENT_GONE && attempt.outcome !== HEDGE_LOST) {
          m.addMetric(attempt.outcome === '200' ? METRICS.attemptSuccesses : METRICS.attemptFailures, MetricUnit.Count, 1);
        }
        if (skipped || !attempt.panic) m.addMetric(METRICS.breakerOpen, MetricUnit.Count, skipped ? 1 : 0);
      });
    }
    this.logger.info('request', { ...record });
  }

  metric(name: string, value: number, dimensions: Record<string, string> = {}, unit: 'Count' | 'Milliseconds' = 'Count'): void {
    this.defer(() => this.emit(dimensions, (m) => m.addMetric(name, unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count, value)));
  }

  log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    this.logger[level](boundedText(message, MAX_LOGGED_MESSAGE_CHARS), boundedForLog(fields));
  }

  /** Publishes the buffered request records and metrics; call at the end of an invocation. */
  flush(): void {
    const pending = this.pending;
    this.pending = [];
    for (const publish of pending) publish();
  }

  private emit(dimensions: Record<string, string>, add: (metrics: Metrics) => void): void {
    if (Object.keys(dimensions).length > 0) this.metrics.addDimensions(dimensions);
    add(this.metrics);
    this.metrics.setTimestamp(this.stamp);
    if (!this.sink) {
      this.metrics.publishStoredMetrics();
      return;
    }
    const line = JSON.stringify(this.metrics.serializeMetrics());
    this.metrics.clearMetrics();
    this.metrics.clearDimensions();
    this.sink(line);
  }
}
