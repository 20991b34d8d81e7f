import type { RequestRecord, Telemetry } from '../../functions/core/ports.ts';

/** Telemetry that keeps everything it is given, for assertions. */
export class RecordingTelemetry implements Telemetry {
  readonly requests: RequestRecord[] = [];
  readonly metrics: { name: string; value: number; dimensions?: Record<string, string> }[] = [];
  readonly logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];

  request(record: RequestRecord): void {
    this.requests.push(record);
  }

  metric(name: string, value: number, dimensions?: Record<string, string>): void {
    this.metrics.push(dimensions ? { name, value, dimensions } : { name, value });
  }

  log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.logs.push(fields ? { level, message, fields } : { level, message });
  }

  count(name: string): number {
    return this.metrics.filter((m) => m.name === name).length;
  }
}
