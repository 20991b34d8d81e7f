import { readFileSync } from 'node:fs';
import { lazyBreakerClient } from '../adapters/aws-sdk-lazy.ts';
import { DynamoSpendStore } from '../adapters/dynamo-spend-store.ts';
import { parseConfigText } from '../config/parse-text.ts';
import { Budgets, type BudgetStatus } from '../core/budgets/budgets.ts';
import { SpendLedger } from '../core/budgets/spend-ledger.ts';
import { systemClock } from '../core/ports.ts';
import { errorText, isMain, parseArgs, processOutput, unknownOptions, type CliOutput } from './args.ts';

/**
 * `npm run budgets`: every budget of the configuration and its spend in the current period, from
 * the stack's table (`--table`, or UNDERSTUDY_BREAKER_TABLE; the budgets from `--config`) or from a
 * running local server (`--url`, whose spend lives in its memory).
 */

const USAGE = `usage: npm run budgets -- [--table NAME | --url URL] [--config FILE]
  --table NAME   the stack's table (or UNDERSTUDY_BREAKER_TABLE; AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB honoured)
  --url URL      a running local server instead (e.g. http://127.0.0.1:8787; UNDERSTUDY_ADMIN_KEY if it has one)
  --config FILE  the budgets to read from a table (default understudy.config.yaml)`;

export async function runBudgetsCli(argv: readonly string[], io: CliOutput = processOutput, env: NodeJS.ProcessEnv = process.env, now = Date.now()): Promise<number> {
  const args = parseArgs(argv);
  if ('error' in args) return fail(io, args.error);
  const unknown = unknownOptions(args, ['table', 'url', 'config']);
  if (unknown.length > 0 || args.positional.length > 0) return fail(io, USAGE);
  const url = args.options.get('url');
  const table = args.options.get('table') ?? env.UNDERSTUDY_BREAKER_TABLE;
  try {
    let statuses: BudgetStatus[];
    if (url) statuses = await fromServer(url, env.UNDERSTUDY_ADMIN_KEY);
    else if (table) statuses = await fromTable(table, args.options.get('config') ?? 'understudy.config.yaml', now);
    else return fail(io, `say where the spend is: --table NAME or --url URL\n${USAGE}`);
    io.out(render(statuses, now));
    return 0;
  } catch (error) {
    return fail(io, errorText(error));
  }
}

async function fromTable(table: string, configPath: string, now: number): Promise<BudgetStatus[]> {
  const parsed = parseConfigText(readFileSync(configPath, 'utf8'));
  if (!parsed.ok) throw new Error(`invalid configuration in ${configPath}:\n  ${parsed.errors.join('\n  ')}`);
  const ledger = new SpendLedger({ store: new DynamoSpendStore({ client: lazyBreakerClient(), table, timeoutMs: 5_000 }), clock: systemClock });
  return new Budgets(parsed.config.budgets ?? [], ledger).status(now);
}

async function fromServer(url: string, adminKey: string | undefined): Promise<BudgetStatus[]> {
  const response = await fetch(new URL('/admin/budgets', url), { headers: adminKey ? { authorization: `Bearer ${adminKey}` } : {} });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { budgets: BudgetStatus[] }).budgets;
}

export function render(statuses: BudgetStatus[], now: number): string {
  if (statuses.length === 0) return 'no budgets configured';
  const header = ['budget', 'period', 'spent USD', 'cap USD', 'used', 'resets in'];
  const rows = statuses.map((s) => [
    s.budget,
    s.period.replace('#', ' '),
    s.spentUsd.toFixed(4),
    s.capUsd.toFixed(2),
    `${Math.floor((s.spentUsd / s.capUsd) * 100 + 1e-9)} %${s.spentUsd >= s.capUsd ? ' (spent)' : ''}`,
    duration(s.resetsAt - now),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function duration(ms: number): string {
  const minutes = Math.max(0, Math.ceil(ms / 60_000));
  const days = Math.floor(minutes / 1_440);
  const hours = Math.floor((minutes % 1_440) / 60);
  return days > 0 ? `${days} d ${hours} h` : `${hours} h ${minutes % 60} min`;
}

function fail(io: CliOutput, message: string): number {
  io.err(message);
  return 1;
}

if (isMain(import.meta.url)) process.exitCode = await runBudgetsCli(process.argv.slice(2));
