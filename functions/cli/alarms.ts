import { readFileSync } from 'node:fs';
import { errorText, isMain, parseArgs, processOutput, unknownOptions, type CliOutput } from './args.ts';

/**
 * `npm run alarms -- replay --emf FILE`: the stack's alarms, evaluated offline over the EMF lines a
 * local run wrote (`npm start -- --emf-file FILE`), printed as a timeline of state changes. The
 * alarms come from the template synthesized for `--config` (default understudy.config.yaml), or
 * from a template already synthesized (`--template cdk.out/Understudy.template.json`).
 */
const USAGE = `usage: npm run alarms -- replay --emf FILE [--config FILE | --template FILE] [--tail-minutes N] [--json]
  --emf FILE          EMF lines, e.g. written by npm start -- --emf-file FILE (or a Lambda log export)
  --config FILE       synthesize the stack's alarms for this config (default understudy.config.yaml)
  --template FILE     or read them from a synthesized template
  --tail-minutes N    keep evaluating N minutes past the last datapoint (default 0), as if traffic stopped
  --json              the state changes as JSON`;

export async function runAlarmsCli(argv: readonly string[], io: CliOutput = processOutput): Promise<number> {
  const args = parseArgs(argv.filter((a) => a !== '--json'));
  if ('error' in args) return usage(io, args.error);
  const unknown = unknownOptions(args, ['emf', 'config', 'template', 'tail-minutes']);
  if (unknown.length > 0) return usage(io, `unknown option ${unknown.join(', ')}`);
  const [command] = args.positional;
  const emf = args.options.get('emf');
  if (command !== 'replay' || !emf) return usage(io, command === 'replay' ? 'missing --emf FILE' : `unknown command ${command ?? '(none)'}`);
  const tail = Number(args.options.get('tail-minutes') ?? 0);
  if (!Number.isInteger(tail) || tail < 0) return usage(io, '--tail-minutes takes a whole number');
  try {
    const { replayFile } = await import('../../infra/replay/replay-file.ts');
    const template = args.options.get('template');
    const result = replayFile({
      emf: readFileSync(emf, 'utf8'),
      ...(template ? { template: JSON.parse(readFileSync(template, 'utf8')) as object } : { configFile: args.options.get('config') ?? 'understudy.config.yaml' }),
      tailMinutes: tail,
    });
    io.out(argv.includes('--json') ? JSON.stringify(result.changes, null, 2) : result.text);
    return 0;
  } catch (error) {
    io.err(`alarms: ${errorText(error)}`);
    return 1;
  }
}

function usage(io: CliOutput, message: string): number {
  io.err(`${message}\n${USAGE}`);
  return 2;
}

if (isMain(import.meta.url)) process.exitCode = await runAlarmsCli(process.argv.slice(2));
