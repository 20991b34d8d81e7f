import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CompiledConfig } from '../core/compiled-config.ts';
import type { Clock, Telemetry } from '../core/ports.ts';
import type { ProxyDeps } from '../core/proxy.ts';
import { StatusBoard } from '../core/status-board.ts';
import { handleStatus, STATUS_OPEN_PATHS, STATUS_PATHS, STATUS_STREAM_MS } from '../core/status-route.ts';
import type { ClientSource } from './aws-sdk-lazy.ts';
import type { AwsJsonCalls } from './aws-json-client.ts';
import { SsmOperatorKey } from './ssm-operator-key.ts';
import { TableBreakers } from './table-breakers.ts';

/** What the Lambda composition hands the status page: its clients, its table and the config in force. */
export interface AwsStatusParts {
  ssm: AwsJsonCalls;
  dynamo: ClientSource<DynamoDBClient>;
  table: string;
  keysPath: string;
  clock: Clock;
  telemetry: Telemetry;
  compiled: () => CompiledConfig;
}

export interface AwsStatusPage {
  /** Sees every request this instance serves (a Telemetry sink beside EMF): its traffic and attempts. */
  observer: Telemetry;
  status: NonNullable<ProxyDeps['status']>;
}

/** Shortest stream worth opening when the invocation is about to end (the page reconnects anyway). */
const MIN_STREAM_MS = 1_000;

/**
 * The live status page on the function URL. Breakers come from the table (every target, shared by
 * all instances); traffic and attempts are this instance's own, and the page says so. The operator
 * key's hash is read from SSM only when an operator path is asked for. An event stream ends after
 * STATUS_STREAM_MS, or sooner when the invocation's deadline is nearer: each open page is a running
 * invocation.
 */
export function awsStatusPage(parts: AwsStatusParts): AwsStatusPage {
  const operatorKey = new SsmOperatorKey({ client: parts.ssm, keysPath: parts.keysPath, telemetry: parts.telemetry, clock: parts.clock });
  const breakers = new TableBreakers({ client: parts.dynamo, table: parts.table, clock: parts.clock, configured: () => configuredTargets(parts.compiled()) });
  const board = new StatusBoard({ clock: parts.clock, breakers, compiled: parts.compiled, view: 'instance', breakersFrom: 'table', statusPages: false });
  return {
    observer: { request: (record) => board.request(record), metric: () => {}, log: () => board.log() },
    status: {
      paths: STATUS_PATHS,
      open: STATUS_OPEN_PATHS,
      operator: () => operatorKey.current(),
      serve: (path, { signal, deadline }) => {
        const streamMs = Math.max(MIN_STREAM_MS, Math.min(STATUS_STREAM_MS, (deadline ?? Infinity) - parts.clock.now()));
        return handleStatus(path, board, { ...(signal ? { signal } : {}), streamMs });
      },
    },
  };
}

/** Every configured target once, in the config's order, with its alias's breaker settings. */
function configuredTargets(compiled: CompiledConfig): { target: string; settings?: ReturnType<typeof settingsOf> }[] {
  const seen = new Map<string, ReturnType<typeof settingsOf>>();
  for (const [name, alias] of Object.entries(compiled.config.aliases)) {
    for (const t of alias.targets) {
      const key = `${t.provider}/${t.model}`;
      if (!seen.has(key)) seen.set(key, settingsOf(compiled, name));
    }
  }
  return [...seen].map(([target, settings]) => (settings ? { target, settings } : { target }));
}

function settingsOf(compiled: CompiledConfig, alias: string) {
  return compiled.aliases.get(alias)?.policy.breaker;
}
