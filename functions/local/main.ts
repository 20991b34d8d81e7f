import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_HOST, DEFAULT_PORT } from '../config/defaults.ts';
import { parseConfigText } from '../config/parse-text.ts';
import { isLoopbackHost } from '../config/schema.ts';
import { isAdminKey } from '../core/operator-auth.ts';
import { ConsoleTelemetry } from '../adapters/console-telemetry.ts';
import type { Config } from '../config/schema.ts';
import { systemClock, type Telemetry } from '../core/ports.ts';
import type { CompiledConfig } from '../core/compiled-config.ts';
import { startLocalServer, type LocalServer } from './server.ts';

/** `npm start`: the proxy as a plain Node server, by default on 127.0.0.1:8787. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'breaker-table': { type: 'string' },
      'keys-path': { type: 'string' },
      'allowed-hosts': { type: 'string' },
      'emf-file': { type: 'string' },
      'health-interval-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm start -- [--config PATH] [--port N] [--host ADDR] [--breaker-table NAME] [--keys-path /understudy/keys]\n' +
        '  --breaker-table  share breakers through a DynamoDB table (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION honoured)\n' +
        '  --keys-path      require proxy API keys stored under this SSM path (required off loopback)\n' +
        '  --allowed-hosts  host names a keyless server answers to besides loopback names (comma-separated)\n' +
        '  UNDERSTUDY_ADMIN_KEY  the operator key (usa_…, npm run keys -- admin local) for /admin/*; unset: /admin/* from loopback only\n' +
        '  --emf-file PATH  also write the EMF metric lines Lambda would write (for npm run alarms -- replay)\n' +
        '  --health-interval-ms N  run the health checker in process every N ms (default 30000 with --emf-file, else off)\n',
    );
    return 0;
  }
  const path = values.config ?? process.env.UNDERSTUDY_CONFIG ?? 'understudy.config.yaml';
  const port = Number(values.port ?? process.env.PORT ?? DEFAULT_PORT);
  const host = values.host ?? process.env.HOST ?? DEFAULT_HOST;
  if (!Number.isInteger(port) || port < 0 || port > 65535) return fatal(`invalid port "${values.port ?? process.env.PORT}"`);

  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fatal(`cannot read the configuration file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const parsed = parseConfigText(text);
  if (!parsed.ok) return fatal(`invalid configuration in ${path}:\n  ${parsed.errors.join('\n  ')}`);

  const keysPath = values['keys-path'] ?? process.env.UNDERSTUDY_KEYS_PATH;
  if (!keysPath && !isLoopbackHost(host)) {
    return fatal(`refusing to listen on ${host} without proxy API keys: pass --keys-path (keys from npm run keys -- create) or listen on 127.0.0.1`);
  }
  const adminKey = process.env.UNDERSTUDY_ADMIN_KEY?.trim() || undefined;
  if (adminKey && !isAdminKey(adminKey)) return fatal('UNDERSTUDY_ADMIN_KEY is not an admin key (usa_…); make one with npm run keys -- admin local');
  const allowedHosts = (values['allowed-hosts'] ?? process.env.UNDERSTUDY_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '');
  const table = values['breaker-table'] ?? process.env.UNDERSTUDY_BREAKER_TABLE;
  const emfFile = values['emf-file'] ? (await import('../adapters/emf-lines.ts')).lineFile(values['emf-file']) : undefined;
  const telemetry = emfFile ? await withEmf(new ConsoleTelemetry(), emfFile.write) : new ConsoleTelemetry();
  const healthInterval = Number(values['health-interval-ms'] ?? (emfFile ? 30_000 : 0));
  if (!Number.isInteger(healthInterval) || healthInterval < 0) return fatal(`invalid --health-interval-ms "${values['health-interval-ms']}"`);
  // The store lists the configured targets, known once the server has compiled its configuration.
  const started: { server?: LocalServer } = {};
  // The AWS SDK is loaded only when asked for: a plain local start stays fast.
  const breakers = table ? await dynamoBreakers(table, telemetry, () => started.server?.compiled) : undefined;
  const ssm = keysPath || usesSsm(parsed.config) ? await ssmAdapters(keysPath, telemetry) : undefined;
  const local = await startLocalServer({
    config: parsed.config,
    port,
    host,
    telemetry,
    ...(breakers ? { breakers } : {}),
    ...(ssm?.secrets ? { secrets: ssm.secrets } : {}),
    ...(ssm?.authorize ? { authorize: ssm.authorize } : {}),
    ...(adminKey ? { adminKey } : {}),
    allowedHosts,
    ...(healthInterval > 0 ? { health: { intervalMs: healthInterval, statusPages: (await import('../adapters/fetch-status-page.ts')).fetchStatusPage } } : {}),
  });
  started.server = local;
  for (const warning of local.compiled.warnings) process.stderr.write(`warning: ${warning}\n`);
  const usable = [...local.compiled.aliases.values()].filter((a) => a.targets.length > 0);
  if (usable.length === 0) {
    await local.close();
    const refs = Object.values(parsed.config.providers).flatMap((p) => (p.apiKey?.startsWith('env:') ? [p.apiKey.slice(4)] : []));
    return fatal(`no alias has a usable target. Export a provider key (${[...new Set(refs)].join(', ') || 'see the config'}) and start again.`);
  }
  if (!isLoopbackHost(host)) process.stderr.write(`warning: listening on ${host}, not loopback: anyone who can reach it can use your provider keys\n`);
  process.stdout.write(`understudy listening on ${local.url} (config ${path}; aliases: ${usable.map((a) => a.name).join(', ')})\n`);
  process.stdout.write(
    `  breakers: ${table ? `DynamoDB table ${table}` : 'in memory'}; ` +
      `${keysPath ? `proxy API keys from ${keysPath}` : 'no proxy API keys (loopback only): any local process may call it'}; ` +
      `operator routes: ${adminKey ? 'admin key' : 'loopback only'}\n`,
  );
  const stop = () => void Promise.all([local.close(), breakers?.flush(1_000, true)]).then(() => emfFile?.close()).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

/** The console log plus the EMF lines Lambda would write, to a file. */
async function withEmf(console: Telemetry, write: (line: string) => void): Promise<Telemetry> {
  const [{ emfLineTelemetry }, { fanOutTelemetry }] = await Promise.all([import('../adapters/emf-lines.ts'), import('../adapters/fan-out-telemetry.ts')]);
  return fanOutTelemetry(console, emfLineTelemetry(write, systemClock));
}

async function dynamoBreakers(table: string, telemetry: Telemetry, compiled: () => CompiledConfig | undefined) {
  const [{ DynamoBreakerStore }, { lazyBreakerClient }] = await Promise.all([import('../adapters/dynamo-breaker-store.ts'), import('../adapters/aws-sdk-lazy.ts')]);
  return new DynamoBreakerStore({
    client: lazyBreakerClient(),
    table,
    clock: systemClock,
    telemetry,
    targets: () => [...(compiled()?.aliases.values() ?? [])].flatMap((alias) => alias.targets.map((t) => t.key)),
  });
}

async function ssmAdapters(keysPath: string | undefined, telemetry: Telemetry) {
  const [{ lazySsmCalls }, { SsmSecrets }, { ssmAuthorize }] = await Promise.all([
    import('../adapters/aws-sdk-lazy.ts'),
    import('../adapters/ssm-secrets.ts'),
    import('../adapters/ssm-client-keys.ts'),
  ]);
  const client = lazySsmCalls();
  return {
    secrets: new SsmSecrets({ client, env: process.env, telemetry }),
    authorize: keysPath ? ssmAuthorize({ client, keysPath, telemetry }) : undefined,
  };
}

function usesSsm(config: Config): boolean {
  return Object.values(config.providers).some((p) => p.apiKey?.startsWith('ssm:'));
}

function fatal(message: string): number {
  process.stderr.write(`understudy: ${message}\n`);
  return 1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`understudy: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
