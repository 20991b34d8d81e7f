import { createWriteStream } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Clock, Telemetry } from '../core/ports.ts';
import { EmfTelemetry } from './emf-telemetry.ts';

/**
 * The EMF lines Lambda would write, handed to `sink` as they happen (no log lines): what the local
 * server writes with `--emf-file` and `npm run alarms -- replay` reads back.
 */
export function emfLineTelemetry(sink: (line: string) => void, clock: Clock): Telemetry {
  const emf = new EmfTelemetry({ sink, clock, logger: new Logger({ logLevel: 'SILENT' }) });
  return {
    request(record) {
      emf.request(record);
      emf.flush();
    },
    metric(name, value, dimensions, unit) {
      emf.metric(name, value, dimensions, unit);
      emf.flush();
    },
    log() {},
  };
}

/** Appends lines to a file (created or truncated at start). */
export function lineFile(path: string): { write(line: string): void; close(): Promise<void> } {
  const stream = createWriteStream(path, { flags: 'w' });
  return {
    write: (line) => void stream.write(`${line}\n`),
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}
