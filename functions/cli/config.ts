import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadDeployConfig } from '../../infra/config-document.ts';
import { errorText, isMain, parseArgs, processOutput, unknownOptions, type CliOutput } from './args.ts';

/**
 * `npm run config -- validate FILE` and `npm run config -- push FILE [--parameter NAME]`: checks a
 * configuration file exactly as synth does, and pushes the same JSON the deploy bundles to the
 * parameter the functions refresh from (they pick it up within about a minute).
 */

export const DEFAULT_CONFIG_PARAMETER = '/understudy/config';
export const DEFAULT_KEYS_PATH = '/understudy/keys';
/** SSM value limits: Standard holds 4 KB, Advanced 8 KB. */
const STANDARD_LIMIT_BYTES = 4096;
const ADVANCED_LIMIT_BYTES = 8192;

const USAGE = `usage:
  npm run config -- validate FILE [--keys-path /understudy/keys]
  npm run config -- push FILE [--parameter /understudy/config] [--keys-path /understudy/keys]`;

export async function runConfigCli(argv: readonly string[], io: CliOutput = processOutput, client?: SSMClient): Promise<number> {
  const args = parseArgs(argv);
  if ('error' in args) return fail(io, args.error);
  const [command, file, extra] = args.positional;
  if (!command || !file || extra !== undefined || (command !== 'validate' && command !== 'push')) return fail(io, USAGE);
  const unknown = unknownOptions(args, command === 'push' ? ['parameter', 'keys-path'] : ['keys-path']);
  if (unknown.length > 0) return fail(io, `unknown option ${unknown.join(', ')}\n${USAGE}`);

  let deploy;
  try {
    deploy = loadDeployConfig(file, args.options.get('keys-path') ?? DEFAULT_KEYS_PATH);
  } catch (error) {
    // The message lists every error with its path (`aliases.x.targets[1].provider: …`).
    return fail(io, errorText(error));
  }
  if (deploy.bytes > ADVANCED_LIMIT_BYTES) {
    return fail(io, `${file} is ${deploy.bytes} bytes as JSON, over the ${ADVANCED_LIMIT_BYTES}-byte limit of an SSM parameter`);
  }
  if (command === 'validate') {
    io.out(`OK: ${file} is valid (${deploy.bytes} bytes as JSON)`);
    return 0;
  }

  const name = args.options.get('parameter') ?? DEFAULT_CONFIG_PARAMETER;
  let tier: 'Standard' | 'Advanced' = deploy.bytes > STANDARD_LIMIT_BYTES ? 'Advanced' : 'Standard';
  const ssm = client ?? new SSMClient({});
  const put = () => ssm.send(new PutParameterCommand({ Name: name, Value: deploy.json, Type: 'String', Overwrite: true, Tier: tier }));
  try {
    let out;
    try {
      out = await put();
    } catch (error) {
      // SSM refuses to move an Advanced parameter back to Standard; keeping Advanced is harmless.
      if (tier !== 'Standard' || !/advanced/i.test(errorText(error)) || !/downgrade/i.test(errorText(error))) throw error;
      tier = 'Advanced';
      out = await put();
    }
    io.out(`pushed ${file} to ${name} (version ${out.Version ?? '?'}, ${tier} tier, ${deploy.bytes} bytes); running functions pick it up within about a minute`);
    return 0;
  } catch (error) {
    return fail(io, `cannot write ${name}: ${errorText(error)}`);
  }
}

function fail(io: CliOutput, message: string): number {
  io.err(message);
  return 1;
}

if (isMain(import.meta.url)) process.exitCode = await runConfigCli(process.argv.slice(2));
