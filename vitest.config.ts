import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/awslambda-runtime.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Fake providers, dynalite and the proxy all share 2 cores: keep workers few so timing-based
    // watchdog tests (which use generous margins, never timed assertions) are not starved.
    maxWorkers: 2,
  },
});
