import { readFileSync } from 'node:fs';
import { createBreakerTable } from '../adapters/create-breaker-table.ts';
import { lazyBreakerClient } from '../adapters/aws-sdk-lazy.ts';
import { DynamoBreakerStore } from '../adapters/dynamo-breaker-store.ts';
import { parseConfigText } from '../config/parse-text.ts';
import { systemClock, type BreakerSnapshot, type ForcedMode } from '../core/ports.ts';
import { targetKey } from '../core/compiled-config.ts';
import { sleep } from '../core/timers.ts';
import { errorText, isMain, parseArgs, processOutput, unknownOptions, type CliOutput } from './args.ts';

/**
 * The breakers' operator verbs, against a DynamoDB table (`--table`, or UNDERSTUDY_BREAKER_TABLE)
 * or a running local server (`--url`):
 *   npm run breakers -- list                     every target's state
 *   npm run breakers -- force-open TARGET        drain a target (provider/model)
 *   npm run breakers -- force-closed TARGET      ignore its breaker
 *   npm run breakers -- auto TARGET              back to the breaker's own decisions
 *   npm run breakers -- create-table NAME        a table with the stack's schema (local use, tests)
 * A forced state is stored: every instance obeys it within its one-second read cache.
 */

const USAGE = `usage: npm run breakers -- list | force-open TARGET | force-closed TARGET | auto TARGET | create-table NAME
  --table NAME   a DynamoDB breaker table (or UNDERSTUDY_BREAKER_TABLE; AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB honoured)
  --url URL      a running local server instead (e.g. http://127.0.0.1:8787)
  --config FILE  names and order for the list (default understudy.config.yaml, if present); a table lists every
                 target it holds, configured or not
  --watch        list again every --interval-ms (default 2000) until Ctrl-C`;

const MODES: Record<string, ForcedMode> = { 'force-open': 'open', 'force-closed': 'closed', auto: 'auto' };

export async function runBreakersCli(argv: readonly string[], io: CliOutput = processOutput, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<number> {
  const watch = argv.includes('--watch');
  const args = parseArgs(argv.filter((a) => a !== '--watch'));
  if ('error' in args) return fail(io, args.error);
  const unknown = unknownOptions(args, ['table', 'url', 'config', 'interval-ms']);
  if (unknown.length > 0) return fail(io, `unknown option ${unknown.join(', ')}\n${USAGE}`);
  const [command, subject] = args.positional;
  const url = args.options.get('url');
  const table = args.options.get('table') ?? env.UNDERSTUDY_BREAKER_TABLE;
  try {
    if (command === 'create-table' && subject) {
      const result = await createBreakerTable(await lazyBreakerClient()(), subject);
      io.out(result === 'created' ? `created table ${subject}` : `table ${subject} already exists`);
      return 0;
    }
    if (command === 'list' && !subject) {
      if (!url && !table) return fail(io, `say where the breakers are: --table NAME or --url URL\n${USAGE}`);
      const configPath = args.options.get('config') ?? 'understudy.config.yaml';
      const read = async () => inConfigOrder(url ? await listFromServer(url, env.UNDERSTUDY_ADMIN_KEY) : await store(table, configPath)!.listStored(), configuredTargets(configPath));
      if (!watch) {
        io.out(render(await read()));
        return 0;
      }
      const interval = Number(args.options.get('interval-ms') ?? 2_000);
      if (!Number.isInteger(interval) || interval < 100) return fail(io, '--interval-ms takes a whole number of at least 100');
      while (!signal?.aborted) {
        io.out(`\x1b[2J\x1b[H${new Date().toISOString()}  every ${interval / 1000} s, Ctrl-C to stop\n${render(await read())}`);
        await sleep(interval, signal).catch(() => {});
      }
      return 0;
    }
    const mode = command ? MODES[command] : undefined;
    if (mode && subject && /^[^/\s]+\/\S+$/.test(subject)) {
      if (url) await forceOnServer(url, subject, mode, env.UNDERSTUDY_ADMIN_KEY);
      else {
        const target = store(table, args.options.get('config'));
        if (!target) return fail(io, `say where the breakers are: --table NAME or --url URL\n${USAGE}`);
        await target.force(subject, mode);
      }
      io.out(`${subject}: forced ${mode}`);
      return 0;
    }
    return fail(io, USAGE);
  } catch (error) {
    return fail(io, errorText(error));
  }
}

function store(table: string | undefined, configPath = 'understudy.config.yaml'): DynamoBreakerStore | undefined {
  if (!table) return undefined;
  return new DynamoBreakerStore({ client: lazyBreakerClient(), table, clock: systemClock, timeoutMs: 5_000, targets: () => configuredTargets(configPath) });
}

/** The configured targets first, in the config's order; then the others the store holds, sorted. */
function inConfigOrder(breakers: BreakerSnapshot[], configured: string[]): BreakerSnapshot[] {
  const rank = (target: string) => {
    const i = configured.indexOf(target);
    return i < 0 ? configured.length : i;
  };
  return [...breakers].sort((a, b) => rank(a.target) - rank(b.target) || a.target.localeCompare(b.target));
}

function configuredTargets(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const parsed = parseConfigText(text);
  if (!parsed.ok) return [];
  return [...new Set(Object.values(parsed.config.aliases).flatMap((alias) => alias.targets.map((t) => targetKey(t.provider, t.model))))];
}

/** The operator API's headers: JSON, and the admin key when the server has one (loopback needs none). */
function operatorHeaders(adminKey: string | undefined): Record<string, string> {
  return { 'content-type': 'application/json', ...(adminKey ? { authorization: `Bearer ${adminKey}` } : {}) };
}

async function listFromServer(url: string, adminKey: string | undefined): Promise<BreakerSnapshot[]> {
  const response = await fetch(new URL('/admin/breakers', url), { headers: operatorHeaders(adminKey) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { breakers: BreakerSnapshot[] }).breakers;
}

async function forceOnServer(url: string, target: string, mode: ForcedMode, adminKey: string | undefined): Promise<void> {
  const response = await fetch(new URL(`/admin/breakers/${target}`, url), { method: 'POST', body: JSON.stringify({ mode }), headers: operatorHeaders(adminKey) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
}

function render(breakers: BreakerSnapshot[]): string {
  if (breakers.length === 0) return 'no breakers yet';
  const now = Date.now();
  const rows = breakers.map((b) => [
    b.target,
    b.forced === 'auto' ? b.state : `${b.state} (forced ${b.forced})`,
    b.state === 'open' && b.openUntil > now ? `${Math.ceil((b.openUntil - now) / 1000)} s` : '-',
    `${b.windowFailures}/${b.windowCalls}`,
    String(b.consecutiveFailures),
    String(b.generation),
  ]);
  const header = ['target', 'state', 'reopens in', 'failures/calls', 'in a row', 'generation'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function fail(io: CliOutput, message: string): number {
  io.err(message);
  return 1;
}

if (isMain(import.meta.url)) {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.exitCode = await runBreakersCli(process.argv.slice(2), processOutput, process.env, controller.signal);
}
