import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Positional arguments and `--name value` / `--name=value` options of an operator CLI. */
export interface ParsedArgs {
  positional: string[];
  options: Map<string, string>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs | { error: string } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      options.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) return { error: `option ${arg} needs a value` };
    options.set(arg.slice(2), value);
    i++;
  }
  return { positional, options };
}

/** Options the command does not know: a typo must not silently fall back to a default path. */
export function unknownOptions(args: ParsedArgs, known: readonly string[]): string[] {
  return [...args.options.keys()].filter((name) => !known.includes(name)).map((name) => `--${name}`);
}

/** True when the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(resolve(script)).href === url;
}

/** Where a CLI writes; injected so tests run the commands in-process. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** The message of an SDK or other error, without stack or request metadata. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
