import type { RequestRecord, Telemetry } from '../core/ports.ts';

/** One Telemetry that hands everything to several (the console log, an EMF file, the status page). */
export function fanOutTelemetry(...sinks: Telemetry[]): Telemetry {
  if (sinks.length === 1) return sinks[0]!;
  return {
    request: (record: RequestRecord) => sinks.forEach((t) => t.request(record)),
    metric: (name, value, dimensions, unit) => sinks.forEach((t) => t.metric(name, value, dimensions, unit)),
    log: (level, message, fields) => sinks.forEach((t) => t.log(level, message, fields)),
  };
}
