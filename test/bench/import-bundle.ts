import { performance } from 'node:perf_hooks';
import '../support/awslambda-runtime.ts';

/**
 * Run in a fresh process by the bench: imports one Lambda bundle (module evaluation is the
 * function's init: clients, the first config read started) and prints how long that took, wall
 * time and this process's CPU time, in ms.
 */
const cpu = process.cpuUsage();
const start = performance.now();
await import(process.argv[2]!);
const wall = performance.now() - start;
const used = process.cpuUsage(cpu);
process.stdout.write(`${wall.toFixed(2)} ${((used.user + used.system) / 1000).toFixed(2)}\n`);
process.exit(0);
