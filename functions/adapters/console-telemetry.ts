import { boundedForLog, boundedText, MAX_LOGGED_MESSAGE_CHARS } from '../core/log-bounds.ts';
import type { RequestRecord, Telemetry } from '../core/ports.ts';

/**
 * Telemetry for the local server: one JSON line per request on stdout (never content or keys),
 * warnings on stderr, and metric values kept in memory for /admin and tests.
 */
export class ConsoleTelemetry implements Telemetry {
  readonly metrics = new Map<string, number>();
  private readonly out: (line: string) => void;
  private readonly err: (line: string) => void;

  constructor(options: { quiet?: boolean; out?: (line: string) => void; err?: (line: string) => void } = {}) {
    const silent = () => {};
    this.out = options.quiet ? silent : (options.out ?? ((line) => process.stdout.write(line + '\n')));
    this.err = options.quiet ? silent : (options.err ?? ((line) => process.stderr.write(line + '\n')));
  }

  request(record: RequestRecord): void {
    this.out(JSON.stringify({ level: 'info', msg: 'request', time: new Date().toISOString(), ...boundedForLog(record) }));
  }

  metric(name: string, value: number, dimensions: Record<string, string> = {}): void {
    const key = [name, ...Object.entries(dimensions).map(([k, v]) => `${k}=${v}`)].join('|');
    this.metrics.set(key, (this.metrics.get(key) ?? 0) + value);
  }

  log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    this.err(JSON.stringify({ level, msg: boundedText(message, MAX_LOGGED_MESSAGE_CHARS), ...boundedForLog(fields) }));
  }
}
