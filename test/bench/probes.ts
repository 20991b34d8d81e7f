import { execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { buildLambdaBundle } from '../support/lambda-bundle.ts';
import { median, send, type Target } from './load.ts';

/** One-off measurements (not per round): memory under held-open streams, cold start, listen time. */

export interface Reading {
  label: string;
  value: number;
  unit: 'ms' | 'MB' | 'µs';
  target?: { max?: number };
}

const run = promisify(execFile);
const OUT = resolve('.bench');

/**
 * Resident memory of a serving process idle, then at its highest while `streams` slow streams are
 * open at once (sampled every 50 ms).
 */
export async function streamsRss(name: string, target: Target, rss: () => Promise<number>, streams = 100): Promise<Reading[]> {
  const idle = await rss();
  let peak = idle;
  let open = true;
  const sampling = (async () => {
    while (open) {
      peak = Math.max(peak, await rss());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await Promise.all(Array.from({ length: streams }, () => send(target)));
  open = false;
  await sampling;
  return [
    { label: `${name}: RSS idle`, value: idle / 2 ** 20, unit: 'MB' },
    { label: `${name}: RSS with ${streams} concurrent streams`, value: peak / 2 ** 20, unit: 'MB', ...(name === 'understudy' ? { target: { max: 150 } } : {}) },
  ];
}

/** The proxy's Lambda bundle, imported in a fresh process `times` times, against a hello-world. */
export async function bundleStart(times = 7): Promise<Reading[]> {
  mkdirSync(OUT, { recursive: true });
  const proxy = join(OUT, 'proxy-handler.mjs');
  const hello = join(OUT, 'hello-handler.mjs');
  writeFileSync(proxy, (await buildLambdaBundle('functions/proxy/handler.ts')).code);
  writeFileSync(hello, 'export const handler = async () => ({ statusCode: 200, body: "hello" });\n');
  const config = {
    providers: { openai: { kind: 'openai', apiKey: 'ssm:/understudy/keys/openai' }, anthropic: { kind: 'anthropic', apiKey: 'ssm:/understudy/keys/anthropic' } },
    aliases: { 'default-model': { targets: [{ provider: 'openai', model: 'gpt-4o' }, { provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
  };
  const { validateConfig } = await import('../../functions/config/load.ts');
  const { sealedJson } = await import('../../functions/config/seal.ts');
  const validated = validateConfig(config);
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    // Nothing leaves loopback: a closed port answers at once.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    UNDERSTUDY_CONFIG_PARAMETER: '/understudy/config',
    UNDERSTUDY_BREAKER_TABLE: 'bench-breakers',
    // Sealed at synth, as the stack bundles it.
    UNDERSTUDY_BUNDLED_CONFIG: sealedJson(validated.config),
    UNDERSTUDY_AUTH_MODE: 'aws-iam',
  };
  const time = async (file: string) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < times; i++) {
      const { stdout } = await run(process.execPath, ['test/bench/import-bundle.ts', file], { env, timeout: 30_000 });
      const [w, c] = stdout.trim().split(' ').map(Number);
      wall.push(w!);
      cpu.push(c!);
    }
    return { wall: median(wall), cpu: median(cpu) };
  };
  const proxyStart = await time(proxy);
  const helloStart = await time(hello);
  return [
    { label: 'Lambda bundle import + init (proxy)', value: proxyStart.wall, unit: 'ms', target: { max: 60 } },
    { label: 'Lambda bundle import + init (proxy), CPU time', value: proxyStart.cpu, unit: 'ms' },
    { label: 'Lambda bundle import + init (hello-world)', value: helloStart.wall, unit: 'ms' },
  ];
}

/**
 * `npm start` (functions/local/start.ts) until the port accepts a connection, one start at a time:
 * the first with Node's compile cache empty (a fresh checkout, or every source changed), then the
 * p50 of `times` starts with the cache filled (any later start).
 */
export async function timeToListen(times = 5): Promise<Reading[]> {
  mkdirSync(OUT, { recursive: true });
  const cache = join(OUT, 'compile-cache');
  rmSync(cache, { recursive: true, force: true });
  const config = join(OUT, 'listen-config.yaml');
  writeFileSync(config, 'providers:\n  l: { kind: openai-compatible, baseUrl: "http://127.0.0.1:9/v1" }\naliases:\n  m: { targets: [ { provider: l, model: x } ] }\n');
  const samples: number[] = [];
  for (let i = 0; i < times + 1; i++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const start = performance.now();
    const proc = spawn(process.execPath, ['functions/local/start.ts', '--config', config, '--port', String(port)], { stdio: 'ignore', env: { ...process.env, NODE_COMPILE_CACHE: cache } });
    try {
      for (;;) {
        const up = await new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        });
        if (up) break;
        if (performance.now() - start > 10_000) throw new Error('the proxy did not listen within 10 s');
        await new Promise((r) => setTimeout(r, 2));
      }
      samples.push(performance.now() - start);
    } finally {
      proc.kill();
    }
  }
  return [
    { label: 'local server: time to listen after start, compile cache empty', value: samples[0]!, unit: 'ms' },
    { label: 'local server: time to listen after start', value: median(samples.slice(1)), unit: 'ms', target: { max: 300 } },
  ];
}
