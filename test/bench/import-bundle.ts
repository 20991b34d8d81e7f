import { performance } from 'node:perf_hooks';
import '../support/awslambda-runtime.ts';

/**
 * Run in a fresh process by the bench: imports one Lambda bundle (module evaluation is the
 * function's init: clients, the first config read started) and prints how long that took, in ms.
 */
const start = performance.now();
await import(process.argv[2]!);
process.stdout.write(`${(performance.now() - start).toFixed(2)}\n`);
process.exit(0);
