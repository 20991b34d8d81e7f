import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request as the driver saw it, in ms from sending it. */
export interface Sample {
  firstToken: number;
  total: number;
}

export interface Target {
  port: number;
  path: string;
  body: string;
}

/** Enough sockets for the widest load (100 concurrent streams); keep-alive like any SDK client. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** The first content event of every bench answer, in every dialect, carries this token. */
const FIRST_TOKEN = 'token0';

export function send(target: Target): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let firstToken = 0;
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: target.path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(target.body), 'anthropic-version': '2023-06-01' },
      },
      (res) => {
        let seen = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (firstToken) return;
          seen += chunk;
          if (seen.includes(FIRST_TOKEN)) firstToken = performance.now() - start;
        });
        res.on('end', () => {
          const total = performance.now() - start;
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode} from :${target.port}${target.path}: ${seen.slice(0, 200)}`));
          else resolve({ firstToken: firstToken || total, total });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(target.body);
  });
}

/** `n` requests over `concurrency` connections; returns every sample and the wall time. */
export async function load(target: Target, n: number, concurrency: number): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        next++;
        samples.push(await send(target));
      }
    }),
  );
  return { samples, seconds: (performance.now() - start) / 1000 };
}

export function closeLoad(): void {
  agent.destroy();
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const median = (values: number[]) => percentile(values, 50);
