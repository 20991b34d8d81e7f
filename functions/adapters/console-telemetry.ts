import { boundedForLog, boundedText, exceedsLogBounds, MAX_LOGGED_MESSAGE_CHARS } from '../core/log-bounds.ts';
import type { RequestRecord, Telemetry } from '../core/ports.ts';

/**
 * Telemetry for the local server: one JSON line per request on stdout (never content or keys),
 * warnings on stderr, and metric values kept in memory for /admin and tests.
 */
export class ConsoleTelemetry implements Telemetry {
  readonly metrics = new Map<string, number>();
  /** Undefined when quiet: no line is even built. */
  private readonly out: ((line: string) => void) | undefined;
  private readonly err: ((line: string) => void) | undefined;

  constructor(options: { quiet?: boolean; out?: (line: string) => void; err?: (line: string) => void } = {}) {
    this.out = options.quiet ? undefined : (options.out ?? ((line) => process.stdout.write(line + '\n')));
    this.err = options.quiet ? undefined : (options.err ?? ((line) => process.stderr.write(line + '\n')));
  }

  request(record: RequestRecord): void {
    if (!this.out) return;
    // The record is serialized here and now: when nothing in it needs cutting, no copy is made.
    const fields = exceedsLogBounds(record) ? boundedForLog(record) : record;
    this.out(JSON.stringify({ level: 'info', msg: 'request', time: new Date().toISOString(), ...fields }));
  }

  metric(name: string, value: number, dimensions: Record<string, string> = {}): void {
    let key = name;
    for (const dimension in dimensions) key += `|${dimension}=${dimensions[dimension]}`;
    this.metrics.set(key, (this.metrics.get(key) ?? 0) + value);
  }

  log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    if (!this.err) return;
    this.err(JSON.stringify({ level, msg: boundedText(message, MAX_LOGGED_MESSAGE_CHARS), ...boundedForLog(fields) }));
  }
}
