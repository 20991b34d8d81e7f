import { fork, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { translationCost } from './translation.ts';

/**
 * `npm run bench`: the proxy's added latency and cost over calling a fake provider directly, all on
 * loopback. The fake provider and the proxy each run in their own process; this process drives.
 * Prints a table; figures are medians (p50) and p99 of one run, and ratios within that run.
 */

const N1 = Number(process.env.BENCH_N1 ?? 400);
const N16 = Number(process.env.BENCH_N16 ?? 3000);

interface Sample {
  headers: number;
  firstToken: number;
  total: number;
}

function child(script: string, env: Record<string, string> = {}): Promise<{ proc: ChildProcess; port: number }> {
  const proc = fork(script, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (m: { port: number }) => resolve({ proc, port: m.port }));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function cpuOf(proc: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    proc.once('message', (m: { cpu: { user: number; system: number } }) => resolve(m.cpu.user + m.cpu.system));
    proc.send({ cpu: true });
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function once(port: number, path: string, body: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let headers = 0;
    let firstToken = 0;
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      headers = performance.now() - start;
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      let seen = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!firstToken) {
          seen += chunk;
          if (seen.includes('"content":"token') || seen.includes('"content":"token0')) firstToken = performance.now() - start;
        }
      });
      res.on('end', () => {
        const total = performance.now() - start;
        resolve({ headers, firstToken: firstToken || total, total });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function load(port: number, path: string, body: string, n: number, concurrency: number): Promise<{ samples: Sample[]; seconds: number }> {
  for (let i = 0; i < Math.min(50, n); i++) await once(port, path, body); // warm-up
  const samples: Sample[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        samples.push(await once(port, path, body));
      }
    }),
  );
  return { samples, seconds: (performance.now() - start) / 1000 };
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (v: number) => v.toFixed(2);

/** Runs a load and the proxy's CPU time per request (warm-up included) meanwhile. */
async function measured(proc: ChildProcess, run: () => ReturnType<typeof load>, n: number): Promise<{ result: Awaited<ReturnType<typeof load>>; cpuMs: number }> {
  const before = await cpuOf(proc);
  const result = await run();
  return { result, cpuMs: ((await cpuOf(proc)) - before) / (n + Math.min(50, n)) / 1000 };
}

async function timeToListen(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'understudy-bench-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'providers:\n  l: { kind: openai-compatible, baseUrl: "http://127.0.0.1:9/v1" }\naliases:\n  m: { targets: [ { provider: l, model: x } ] }\n');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const start = performance.now();
  const proc = spawn(process.execPath, ['functions/local/main.ts', '--config', config, '--port', String(port)], { stdio: 'ignore' });
  try {
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (up) return performance.now() - start;
      if (performance.now() - start > 10_000) throw new Error('the proxy did not listen within 10 s');
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    proc.kill();
  }
}

async function main() {
  const upstream = await child('test/bench/fake-upstream.ts');
  const proxy = await child('test/bench/proxy-process.ts', { BENCH_UPSTREAM: `http://127.0.0.1:${upstream.port}` });
  const messages = [{ role: 'user', content: 'benchmark prompt' }];
  const body = (model: string, stream: boolean) => JSON.stringify({ model, messages, stream });
  const rows: string[][] = [];
  const results: Record<string, { direct: Awaited<ReturnType<typeof load>>; proxied: Awaited<ReturnType<typeof load>>; cpuUs: number }> = {};

  for (const stream of [false, true]) {
    for (const concurrency of [1, 16]) {
      const n = concurrency === 1 ? N1 : N16;
      const direct = await load(upstream.port, '/v1/chat/completions', body('bench-model', stream), n, concurrency);
      const cpuBefore = await cpuOf(proxy.proc);
      const proxied = await load(proxy.port, '/v1/chat/completions', body('direct', stream), n, concurrency);
      const cpuUs = ((await cpuOf(proxy.proc)) - cpuBefore) / (n + Math.min(50, n));
      const name = `${stream ? 'stream' : 'json'} c=${concurrency}`;
      results[name] = { direct, proxied, cpuUs };
      for (const [label, r] of [['direct', direct], ['proxy', proxied]] as const) {
        const s = r.samples;
        rows.push([
          name,
          label,
          `${ms(pct(s.map((x) => x.headers), 50))} / ${ms(pct(s.map((x) => x.headers), 99))}`,
          stream ? `${ms(pct(s.map((x) => x.firstToken), 50))} / ${ms(pct(s.map((x) => x.firstToken), 99))}` : '-',
          `${ms(pct(s.map((x) => x.total), 50))} / ${ms(pct(s.map((x) => x.total), 99))}`,
          (s.length / r.seconds).toFixed(0),
          label === 'proxy' ? `${(cpuUs / 1000).toFixed(3)}` : '-',
        ]);
      }
    }
  }

  // Failover: the first target answers 503 at once; how much later does the fallback's answer begin?
  const plain = await load(proxy.port, '/v1/chat/completions', body('direct', true), N1, 1);
  const failover = await load(proxy.port, '/v1/chat/completions', body('failover', true), N1, 1);
  const failoverAdded = pct(failover.samples.map((x) => x.firstToken), 50) - pct(plain.samples.map((x) => x.firstToken), 50);

  // Shadow traffic: the same streamed request with and without a shadow call beside it.
  const unshadowed = await measured(proxy.proc, () => load(proxy.port, '/v1/chat/completions', body('direct', true), N1, 1), N1);
  const shadowed = await measured(proxy.proc, () => load(proxy.port, '/v1/chat/completions', body('shadowed', true), N1, 1), N1);

  // One start at a time: five concurrent starts on two cores would measure the scheduler.
  const listenTimes: number[] = [];
  for (let i = 0; i < 5; i++) listenTimes.push(await timeToListen());
  const listenMs = pct(listenTimes, 50);
  const translation = await translationCost();

  proxy.proc.disconnect();
  upstream.proc.disconnect();
  agent.destroy();

  const header = ['case', 'path', 'headers p50/p99 ms', 'first token p50/p99 ms', 'total p50/p99 ms', 'req/s', 'proxy CPU ms/req'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`understudy bench — ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  const s1 = results['stream c=1']!;
  const j16 = results['json c=16']!;
  const addedTtft = pct(s1.proxied.samples.map((x) => x.firstToken), 50) - pct(s1.direct.samples.map((x) => x.firstToken), 50);
  const throughputRatio = j16.proxied.samples.length / j16.proxied.seconds / (j16.direct.samples.length / j16.direct.seconds);
  console.log('');
  console.log(`added time to first token, stream c=1 (p50):      ${ms(addedTtft)} ms   (target ≤ ~1 ms)`);
  console.log(`throughput proxy/direct, json c=16:               ${throughputRatio.toFixed(2)}      (target ≥ 0.5)`);
  console.log(`time a failover adds (503 first, p50 first token): ${ms(failoverAdded)} ms   (target ≤ 0.5 ms)`);
  const p50 = (r: typeof shadowed, key: keyof Sample) => ms(pct(r.result.samples.map((x) => x[key]), 50));
  console.log(
    `shadow at sampleRate 1, stream c=1 (p50):         first token ${p50(unshadowed, 'firstToken')} → ${p50(shadowed, 'firstToken')} ms, ` +
      `total ${p50(unshadowed, 'total')} → ${p50(shadowed, 'total')} ms, proxy CPU ${unshadowed.cpuMs.toFixed(3)} → ${shadowed.cpuMs.toFixed(3)} ms/req`,
  );
  console.log(`time to listen after start (p50 of 5):            ${listenMs.toFixed(0)} ms    (target ≤ 300 ms)`);
  console.log(`translation, Anthropic stream → OpenAI SSE:       ${translation.anthropicToOpenai.toFixed(2)} µs/event`);
  console.log(`translation, OpenAI stream → Anthropic SSE:       ${translation.openaiToAnthropic.toFixed(2)} µs/event`);
}

await main();
