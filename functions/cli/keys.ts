import { DeleteParameterCommand, GetParametersByPathCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clientKeyRecord, generateClientKey, parseClientKeyRecord } from '../core/client-keys.ts';
import { generateAdminKey, hashAdminKey } from '../core/operator-auth.ts';
import { errorText, isMain, parseArgs, processOutput, unknownOptions, type CliOutput } from './args.ts';

/**
 * `npm run keys -- set PROVIDER`   stores a provider key read from stdin (never argv: it would land
 *                                  in shell history and the process list);
 * `npm run keys -- create NAME`    makes a client (proxy) key, stores only its hash, prints it once;
 * `npm run keys -- list`           client key ids, names, aliases (never hashes);
 * `npm run keys -- revoke ID`      deletes a client key (refused everywhere within about a minute);
 * `npm run keys -- admin`          makes the operator (admin) key, stores only its hash under
 *                                  `<path>/operator/admin`, prints it once (`admin local`: print only, for
 *                                  `UNDERSTUDY_ADMIN_KEY` on the local server).
 */

export const DEFAULT_KEYS_PATH = '/understudy/keys';
const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

const USAGE = `usage (every command takes --path /understudy/keys):
  npm run keys -- set PROVIDER          (the key is read from stdin)
  npm run keys -- create NAME [--aliases a,b]
  npm run keys -- list
  npm run keys -- revoke ID
  npm run keys -- admin [local]`;

export interface KeysCliDeps {
  client?: SSMClient;
  /** All of stdin as text. */
  readStdin?: () => Promise<string>;
  now?: () => Date;
}

export async function runKeysCli(argv: readonly string[], io: CliOutput = processOutput, deps: KeysCliDeps = {}): Promise<number> {
  const args = parseArgs(argv);
  if ('error' in args) return fail(io, args.error);
  const [command, subject, extra] = args.positional;
  const unknown = unknownOptions(args, command === 'create' ? ['path', 'aliases'] : ['path']);
  if (unknown.length > 0) return fail(io, `unknown option ${unknown.join(', ')}\n${USAGE}`);
  const path = args.options.get('path') ?? DEFAULT_KEYS_PATH;
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(path)) return fail(io, `--path "${path}" must look like /understudy/keys`);
  const client = deps.client ?? new SSMClient({});

  try {
    if (command === 'set' && subject && extra === undefined) return await setProviderKey(io, client, path, subject, deps.readStdin ?? readStdin);
    if (command === 'create' && subject && extra === undefined) return await createClientKey(io, client, path, subject, args.options.get('aliases'), deps.now?.() ?? new Date());
    if (command === 'list' && subject === undefined) return await listClientKeys(io, client, path);
    if (command === 'revoke' && subject && extra === undefined) return await revokeClientKey(io, client, path, subject);
    if (command === 'admin' && (subject === undefined || subject === 'local') && extra === undefined) {
      return await createAdminKey(io, subject === 'local' ? undefined : client, path, deps.now?.() ?? new Date());
    }
  } catch (error) {
    return fail(io, errorText(error));
  }
  return fail(io, USAGE);
}

async function setProviderKey(io: CliOutput, client: SSMClient, path: string, provider: string, read: () => Promise<string>): Promise<number> {
  if (!NAME_PATTERN.test(provider)) return fail(io, `provider name "${provider}" may contain only letters, digits, _ . -`);
  if (process.stdin.isTTY && read === readStdin) io.err('paste the key, then press Enter and Ctrl-D:');
  const key = (await read()).trim();
  if (key === '') return fail(io, 'no key on stdin; pipe it in, e.g. `printf %s "$KEY" | npm run keys -- set openai`');
  if (/\s/.test(key)) return fail(io, 'the key on stdin contains whitespace; give exactly one key');
  const name = `${path}/${provider}`;
  const out = await client.send(new PutParameterCommand({ Name: name, Value: key, Type: 'SecureString', Overwrite: true }));
  io.err(`stored ${name} (version ${out.Version ?? '?'}); reference it as apiKey: ssm:${name}`);
  return 0;
}

async function createClientKey(io: CliOutput, client: SSMClient, path: string, name: string, aliasList: string | undefined, now: Date): Promise<number> {
  const aliases = aliasList?.split(',').map((a) => a.trim()).filter((a) => a !== '');
  // Ids are 32 random bits: a collision is unlikely but possible, so never overwrite (retry instead).
  for (let attempt = 0; attempt < 3; attempt++) {
    const { id, key } = generateClientKey();
    const record = clientKeyRecord(key, name, aliases, now);
    try {
      await client.send(new PutParameterCommand({ Name: `${path}/clients/${id}`, Value: JSON.stringify(record), Type: 'SecureString', Overwrite: false }));
    } catch (error) {
      if (error instanceof Error && error.name === 'ParameterAlreadyExists') continue;
      throw error;
    }
    io.err(`created client key ${id} for "${name}"${aliases?.length ? ` (aliases: ${aliases.join(', ')})` : ''}. It is shown once; only its hash is stored:`);
    io.out(key);
    return 0;
  }
  return fail(io, 'could not find a free key id; try again');
}

async function listClientKeys(io: CliOutput, client: SSMClient, path: string): Promise<number> {
  const prefix = `${path}/clients`;
  let token: string | undefined;
  let count = 0;
  do {
    const page = await client.send(new GetParametersByPathCommand({ Path: prefix, Recursive: false, WithDecryption: true, MaxResults: 10, NextToken: token }));
    for (const parameter of page.Parameters ?? []) {
      const id = parameter.Name?.slice(prefix.length + 1) ?? '?';
      const record = parseClientKeyRecord(parameter.Value ?? '');
      io.out(record ? `${id}\t${record.name}\t${record.aliases?.join(',') ?? '*'}\t${record.created}` : `${id}\t(not a valid record)`);
      count++;
    }
    token = page.NextToken;
  } while (token);
  if (count === 0) io.err(`no client keys under ${prefix}`);
  return 0;
}

async function revokeClientKey(io: CliOutput, client: SSMClient, path: string, id: string): Promise<number> {
  if (!/^[0-9a-f]{8}$/.test(id)) return fail(io, `"${id}" is not a key id (8 hex characters; see npm run keys -- list)`);
  try {
    await client.send(new DeleteParameterCommand({ Name: `${path}/clients/${id}` }));
  } catch (error) {
    if (error instanceof ParameterNotFound) return fail(io, `no client key ${id} under ${path}/clients`);
    throw error;
  }
  io.err(`revoked ${id}; running proxies refuse it within about a minute (their key cache)`);
  return 0;
}

/** The operator key: a new one replaces the old (rotation); only its hash is stored. */
async function createAdminKey(io: CliOutput, client: SSMClient | undefined, path: string, now: Date): Promise<number> {
  const key = generateAdminKey();
  if (client) {
    const record = { hash: hashAdminKey(key), created: now.toISOString() };
    await client.send(new PutParameterCommand({ Name: `${path}/operator/admin`, Value: JSON.stringify(record), Type: 'SecureString', Overwrite: true }));
    io.err(`stored the admin key's hash under ${path}/operator/admin (any previous admin key stops working). It is shown once:`);
  } else {
    io.err('an admin key for the local server (export UNDERSTUDY_ADMIN_KEY=…). It is shown once:');
  }
  io.out(key);
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function fail(io: CliOutput, message: string): number {
  io.err(message);
  return 1;
}

if (isMain(import.meta.url)) process.exitCode = await runKeysCli(process.argv.slice(2));
