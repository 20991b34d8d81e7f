import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/awslambda-runtime.ts'],
    // A first `cdk synth` in a file bundles the Lambda functions with esbuild: seconds on a quiet
    // machine, but 30–40 s were seen on a loaded 2-core one. These bound a hung test, they measure nothing.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Fake providers, dynalite and the proxy all share 2 cores: keep workers few so timing-based
    // watchdog tests (which use generous margins, never timed assertions) are not starved.
    maxWorkers: 2,
  },
});
