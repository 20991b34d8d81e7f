import { parseArgs } from 'node:util';
import { systemClock } from '../core/ports.ts';
import { adminBreakerControl } from '../drill/breaker-control.ts';
import { DrillClient, type DrillDialect } from '../drill/client.ts';
import { adminConfigControl, type ConfigControl } from '../drill/config-control.ts';
import type { AlarmReader } from '../drill/alarms.ts';
import { renderHeader, renderStep, renderSummary, type DrillReport } from '../drill/report.ts';
import { FLEET_OPTIONS, runDrill } from '../drill/run-drill.ts';
import { errorText, isMain, processOutput, type CliOutput } from './args.ts';

/**
 * `npm run drill -- --url URL [--alias NAME] [--key KEY]`: a scripted game day against a running
 * proxy (functions/drill/run-drill.ts). Locally the fault goes through the server's /admin/config;
 * against a deployed stack through the config parameter (`--parameter`), with the alarm states
 * read when `--stack` names the stack. Exit 0 when every step passed, 1 when one failed, 2 for a
 * usage error, 130 when interrupted (after restoring what it changed).
 */

const USAGE = `usage: npm run drill -- --url URL [--alias NAME] [--key KEY] [options]
  --url URL          the proxy: a local server (http://127.0.0.1:8787) or a deployed function URL
  --alias NAME       the alias to drill (default default-model)
  --key KEY          a proxy API key for that alias (or UNDERSTUDY_DRILL_KEY), when the proxy checks keys
  --dialect D        the client format to speak: openai (default) or anthropic
  --parameter NAME   inject the fault through this SSM config parameter (a deployed stack, e.g. /understudy/config);
                     without it, through the local server's /admin/config
  --stack NAME       also check the stack's L2 alarm: ALARM during the fault, OK after (CloudWatch)
  --allow-shared     inject even when the primary's provider serves other aliases (a real game day)
  --json             print the report as JSON on stdout (the text report goes to stderr)
  --interval-ms N    pause between requests while waiting for a change (default 1000; 2000 with --parameter)
  --baseline N       requests the primary must serve before the fault (default 3)
  --fault KIND       errors (default: every attempt on the primary's provider answers 503) or breaker (the
                     primary's breaker is forced open: through the local server, or --table NAME when deployed)
  --table NAME       the breaker table, for --fault breaker against a deployed stack
  --emf-file PATH    the EMF lines the local server writes (npm start -- --emf-file PATH): after the drill,
                     the stack's alarms are replayed over them and their timeline printed`;

export interface DrillCliDeps {
  io?: CliOutput;
  env?: NodeJS.ProcessEnv;
  /** Aborts the drill (Ctrl-C); what it changed is restored before it returns. */
  signal?: AbortSignal;
  /** The live status line (a TTY); absent: only step starts are printed. */
  status?: (line: string) => void;
  /** Test seams for the AWS-side adapters. */
  control?: ConfigControl;
  alarms?: AlarmReader;
}

export async function runDrillCli(argv: readonly string[], deps: DrillCliDeps = {}): Promise<number> {
  const io = deps.io ?? processOutput;
  const env = deps.env ?? process.env;
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        alias: { type: 'string' },
        key: { type: 'string' },
        dialect: { type: 'string' },
        parameter: { type: 'string' },
        stack: { type: 'string' },
        'allow-shared': { type: 'boolean' },
        json: { type: 'boolean' },
        'interval-ms': { type: 'string' },
        baseline: { type: 'string' },
        fault: { type: 'string' },
        table: { type: 'string' },
        'emf-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return usage(io, errorText(error));
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.url) return usage(io, 'missing --url');
  try {
    new URL(values.url);
  } catch {
    return usage(io, `--url "${values.url}" is not a URL`);
  }
  const dialect = (values.dialect ?? 'openai') as DrillDialect;
  if (dialect !== 'openai' && dialect !== 'anthropic') return usage(io, `--dialect must be openai or anthropic, not "${values.dialect}"`);
  const intervalMs = count(values['interval-ms'], values.parameter ? FLEET_OPTIONS.intervalMs : 1_000);
  const baseline = count(values.baseline, 3);
  if (intervalMs === undefined || baseline === undefined || baseline < 1) return usage(io, '--interval-ms and --baseline take a positive whole number');

  const fault = (values.fault ?? 'errors') as 'errors' | 'breaker';
  if (fault !== 'errors' && fault !== 'breaker') return usage(io, `--fault must be errors or breaker, not "${values.fault}"`);
  if (fault === 'breaker' && values.parameter && !values.table) return usage(io, '--fault breaker against a deployed stack needs --table NAME (the BreakerTableName output)');
  const alias = values.alias ?? 'default-model';
  const key = values.key ?? env.UNDERSTUDY_DRILL_KEY;
  const text = values.json ? io.err : io.out;
  try {
    const control = deps.control ?? (values.parameter ? await ssmControl(values.parameter) : adminConfigControl(values.url, env.UNDERSTUDY_ADMIN_KEY));
    const alarms = deps.alarms ?? (values.stack ? await cloudWatch(values.stack, alias) : undefined);
    const breakers = fault === 'breaker' ? (values.table ? await tableBreakers(values.table) : adminBreakerControl(values.url, env.UNDERSTUDY_ADMIN_KEY)) : undefined;
    text(renderHeader({ alias, url: values.url, control: control.description }));
    const report = await runDrill(
      { alias, url: values.url, intervalMs, baselineRequests: baseline, openSlack: values.parameter ? FLEET_OPTIONS.openSlack : 0, allowShared: values['allow-shared'] ?? false, fault },
      {
        traffic: new DrillClient({ url: values.url, alias, dialect, ...(key ? { key } : {}) }),
        control,
        ...(alarms ? { alarms } : {}),
        ...(breakers ? { breakers } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        progress: deps.status ?? ((line) => line.endsWith('…') && text(`  ${line}`)),
        onStep: (step) => {
          deps.status?.('');
          text(renderStep(step));
        },
      },
    );
    deps.status?.('');
    text(renderSummary(report));
    if (values.json) io.out(JSON.stringify(report, null, 2));
    if (values['emf-file']) text(await alarmTimeline(values['emf-file'], await control.read()));
    return exitCode(report);
  } catch (error) {
    io.err(`drill: ${errorText(error)}`);
    return 1;
  }
}

export function exitCode(report: DrillReport): number {
  if (report.interrupted) return 130;
  return report.passed ? 0 : 1;
}

function count(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function usage(io: CliOutput, message: string): number {
  io.err(`${message}\n${USAGE}`);
  return 2;
}

// The AWS SDK clients load only for a deployed drill: a local one stays light.
async function ssmControl(parameter: string): Promise<ConfigControl> {
  const [{ SSMClient }, { ssmConfigControl }] = await Promise.all([import('@aws-sdk/client-ssm'), import('../drill/ssm-config-control.ts')]);
  return ssmConfigControl(new SSMClient({}), parameter);
}

async function tableBreakers(table: string) {
  const [{ DynamoBreakerStore }, { lazyBreakerClient }, { storeBreakerControl }] = await Promise.all([
    import('../adapters/dynamo-breaker-store.ts'),
    import('../adapters/aws-sdk-lazy.ts'),
    import('../drill/breaker-control.ts'),
  ]);
  const store = new DynamoBreakerStore({ client: lazyBreakerClient(), table, clock: systemClock, timeoutMs: 5_000 });
  return storeBreakerControl(store, `breaker table ${table}`);
}

/** The stack's alarms for the configuration in force, replayed over the server's EMF lines. */
async function alarmTimeline(emfFile: string, config: unknown): Promise<string> {
  const [{ readFileSync, mkdtempSync, writeFileSync }, { tmpdir }, { join }, { replayFile }] = await Promise.all([
    import('node:fs'),
    import('node:os'),
    import('node:path'),
    import('../../infra/replay/replay-file.ts'),
  ]);
  const configFile = join(mkdtempSync(join(tmpdir(), 'understudy-drill-')), 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const { text } = replayFile({ emf: readFileSync(emfFile, 'utf8'), configFile });
  return `\nalarm timeline (the stack's alarms replayed over ${emfFile}; a local drill is short, so M-of-N alarms may not reach ALARM):\n${text}`;
}

async function cloudWatch(stack: string, alias: string): Promise<AlarmReader> {
  const [{ CloudWatchClient }, { cloudWatchAlarms }] = await Promise.all([import('@aws-sdk/client-cloudwatch'), import('../drill/alarms.ts')]);
  return cloudWatchAlarms(new CloudWatchClient({}), stack, alias);
}

if (isMain(import.meta.url)) {
  const controller = new AbortController();
  let interrupts = 0;
  const interrupt = () => {
    interrupts++;
    if (interrupts === 1) process.stderr.write('\ninterrupted: stopping the drill and restoring the configuration…\n');
    else process.stderr.write('still restoring the configuration; it is bounded to 30 s\n');
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const tty = process.stderr.isTTY;
  process.exitCode = await runDrillCli(process.argv.slice(2), {
    signal: controller.signal,
    ...(tty ? { status: (line: string) => process.stderr.write(`\r\x1b[K${line}`) } : {}),
  });
}
