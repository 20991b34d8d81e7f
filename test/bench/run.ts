import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { ProbeAnswer } from './child-probe.ts';
import { closeLoad, load, median, percentile } from './load.ts';
import { bundleStart, streamsRss, timeToListen, type Reading } from './probes.ts';
import { routingDecision } from './routing-decision.ts';
import { FIGURES, SCENARIOS, type Figure, type Measure, type ProcessName, type Round, type Scenario } from './scenarios.ts';

/**
 * `npm run bench`: Understudy beside a floor proxy (a bare node:http pass-through) and the fake
 * provider itself, all on loopback, each in its own process. Rounds are interleaved (every run of
 * every scenario in every round, in rotating order) and ratios are taken within a round, so a
 * shared, noisy machine moves both sides of a ratio alike; the figures are medians over rounds.
 *
 * Environment: BENCH_ROUNDS (7), BENCH_ONLY (a regular expression over scenario, figure and probe
 * names), BENCH_N1 / BENCH_N16 / BENCH_NFAILOVER (requests per run and round), BENCH_MAX_S (the
 * whole bench stops there, 900). `--json FILE` also writes the results as JSON.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WARMUP = 30;
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;
const children: ChildProcess[] = [];

// The bench stops by itself, whatever hangs: children exit when this process goes away.
const watchdog = setTimeout(
  () => {
    process.stderr.write(`bench: stopped after BENCH_MAX_S=${process.env.BENCH_MAX_S ?? 900} s\n`);
    for (const child of children) child.kill();
    process.exit(2);
  },
  Number(process.env.BENCH_MAX_S ?? 900) * 1000,
);
watchdog.unref();

interface Served {
  port: number;
  probe(): Promise<ProbeAnswer>;
}

/** Forks a bench process, waits for its first message (its port or endpoints), answers probes. */
async function start<T>(script: string, env: Record<string, string> = {}): Promise<{ hello: T; probe: () => Promise<ProbeAnswer>; stop: () => unknown }> {
  const proc = fork(script, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(proc);
  const waiting: ((answer: ProbeAnswer) => void)[] = [];
  const hello = await new Promise<T>((resolve, reject) => {
    proc.on('message', (message: { probe?: ProbeAnswer } & T) => {
      if (message.probe) waiting.shift()?.(message.probe);
      else resolve(message);
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const probe = () =>
    new Promise<ProbeAnswer>((resolve) => {
      waiting.push(resolve);
      proc.send({ probe: true });
    });
  return { hello, probe, stop: () => proc.connected && proc.disconnect() };
}

async function startProcesses(needed: Set<ProcessName>): Promise<Map<ProcessName, Served>> {
  const served = new Map<ProcessName, Served>();
  const upstream = await start<{ port: number }>('test/bench/fake-upstream.ts');
  served.set('direct', { port: upstream.hello.port, probe: upstream.probe });
  const BENCH_UPSTREAM = `http://127.0.0.1:${upstream.hello.port}`;
  const serve = async (name: ProcessName, script: string, env: Record<string, string> = {}) => {
    const child = await start<{ port: number }>(script, { BENCH_UPSTREAM, ...env });
    served.set(name, { port: child.hello.port, probe: child.probe });
  };
  await serve('floor', 'test/bench/floor-proxy.ts');
  await serve('understudy', 'test/bench/proxy-process.ts');
  if (needed.has('understudy-dynamo+0') || needed.has('understudy-dynamo+20')) {
    const relay = await start<{ endpoints: Record<string, string> }>('test/bench/dynamo-relay.ts', { BENCH_STORE_DELAYS: '0,20' });
    await serve('understudy-dynamo+0', 'test/bench/proxy-process.ts', { BENCH_STORE: relay.hello.endpoints['0']! });
    await serve('understudy-dynamo+20', 'test/bench/proxy-process.ts', { BENCH_STORE: relay.hello.endpoints['20']! });
  }
  return served;
}

async function measure(scenario: Scenario, runName: string, served: Map<ProcessName, Served>): Promise<Measure> {
  const run = scenario.runs[runName]!;
  const proc = served.get(run.via)!;
  const target = { port: proc.port, path: run.path, body: run.body };
  const before = await proc.probe();
  const { samples, seconds } = await load(target, scenario.requests, scenario.concurrency);
  const after = await proc.probe();
  return {
    ttft: percentile(samples.map((s) => s.firstToken), 50),
    total: percentile(samples.map((s) => s.total), 50),
    rps: samples.length / seconds,
    ...(run.via === 'direct' ? {} : { cpuMs: (after.cpuMicros - before.cpuMicros) / 1000 / samples.length }),
  };
}

const rotate = <T>(items: T[], by: number) => items.map((_, i) => items[(i + by) % items.length]!);
const fixed = (v: number, unit: string) => (unit === '×' ? `${v.toFixed(2)}×` : `${v.toFixed(unit === 'MB' ? 0 : 2)} ${unit}`);
function verdict(value: number, target?: { max?: number; min?: number }): string {
  if (!target) return '';
  const met = (target.max === undefined || value <= target.max) && (target.min === undefined || value >= target.min);
  return `${met ? 'met' : 'MISSED'} (target ${target.max !== undefined ? `≤ ${target.max}` : `≥ ${target.min}`})`;
}
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

async function main() {
  const scenarios = SCENARIOS.filter((s) => !only || only.test(s.name));
  const needed = new Set(scenarios.flatMap((s) => Object.values(s.runs).map((r) => r.via)));
  const served = await startProcesses(needed);

  for (const scenario of scenarios) {
    for (const run of Object.values(scenario.runs)) await load({ port: served.get(run.via)!.port, path: run.path, body: run.body }, WARMUP, 1);
  }
  const rounds: Round[] = [];
  for (let r = 0; r < (scenarios.length ? ROUNDS : 0); r++) {
    const round: Round = {};
    for (const scenario of scenarios) {
      round[scenario.name] = {};
      for (const runName of rotate(Object.keys(scenario.runs), r)) round[scenario.name]![runName] = await measure(scenario, runName, served);
    }
    rounds.push(round);
    process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
  }

  const figures: { figure: Figure; value: number }[] = [];
  for (const figure of FIGURES) {
    try {
      figures.push({ figure, value: median(rounds.map(figure.value)) });
    } catch {
      // A figure over a scenario left out by BENCH_ONLY.
    }
  }

  const readings: Reading[] = [];
  const wanted = (name: string) => !only || only.test(name);
  if (wanted('memory')) {
    // Fresh processes, so that the heap grown by the rounds above does not count.
    const BENCH_UPSTREAM = `http://127.0.0.1:${served.get('direct')!.port}`;
    const stream = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream: true });
    for (const [name, script, warm, slow] of [
      ['floor', 'test/bench/floor-proxy.ts', { path: '/v1/chat/completions', body: stream('bench-model') }, { path: '/slow/v1/chat/completions', body: stream('bench-model') }],
      ['understudy', 'test/bench/proxy-process.ts', { path: '/v1/chat/completions', body: stream('direct') }, { path: '/v1/chat/completions', body: stream('slow') }],
    ] as const) {
      const fresh = await start<{ port: number }>(script, { BENCH_UPSTREAM });
      await load({ port: fresh.hello.port, ...warm }, WARMUP, 1);
      readings.push(...(await streamsRss(name, { port: fresh.hello.port, ...slow }, async () => (await fresh.probe()).rssBytes)));
      fresh.stop();
    }
  }
  if (wanted('cold start')) readings.push(...(await bundleStart()));
  if (wanted('listen')) readings.push(...(await timeToListen()));
  if (wanted('routing')) readings.push(...(await routingDecision()));

  for (const child of children) if (child.connected) child.disconnect();
  closeLoad();

  const cpu = cpus()[0]?.model ?? 'cpu';
  console.log(`understudy bench — ${cpu} ×${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${ROUNDS} interleaved rounds`);
  const rows = [['scenario', 'run', 'TTFT p50 ms', 'total p50 ms', 'req/s', 'CPU ms/req']];
  for (const scenario of scenarios) {
    for (const runName of Object.keys(scenario.runs)) {
      const of = (pick: (m: Measure) => number | undefined) => median(rounds.map((round) => pick(round[scenario.name]![runName]!) ?? NaN));
      const cpuMs = of((m) => m.cpuMs);
      rows.push([scenario.name, runName, scenario.stream ? of((m) => m.ttft).toFixed(2) : '-', of((m) => m.total).toFixed(2), of((m) => m.rps).toFixed(0), Number.isNaN(cpuMs) ? '-' : cpuMs.toFixed(3)]);
    }
  }
  if (scenarios.length) console.log(table(rows));
  if (figures.length) {
    console.log('');
    console.log('paired figures (median over rounds of the per-round value)');
    console.log(table([['figure', 'value', ''], ...figures.map(({ figure, value }) => [figure.label, fixed(value, figure.unit), verdict(value, figure.target)])]));
  }
  if (readings.length) {
    console.log('');
    console.log(table([['measurement', 'value', ''], ...readings.map((r) => [r.label, fixed(r.value, r.unit), verdict(r.value, r.target)])]));
  }
  if (jsonOut) {
    writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), cpu, cores: cpus().length, node: process.version, rounds, figures: figures.map((f) => ({ label: f.figure.label, value: f.value, target: f.figure.target })), readings }, null, 2));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    for (const child of children) child.kill();
    process.exit(1);
  },
);
