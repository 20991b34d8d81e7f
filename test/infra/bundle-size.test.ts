import { describe, expect, it } from 'vitest';
import { buildLambdaBundle } from '../support/lambda-bundle.ts';

/**
 * The Lambda bundles, built as the stack builds them (infra/constructs/understudy-function.ts:
 * ESM, node24, minified, the runtime's AWS SDK left out). Cold starts are paid by users, so each
 * bundle has a budget; the sizes are printed for the README.
 */
const BUDGET_BYTES = 700 * 1024;
const ENTRIES = { proxy: 'functions/proxy/handler.ts', health: 'functions/health/handler.ts', drill: 'functions/drill/canary-handler.ts' };

describe('Lambda bundle size', () => {
  for (const [name, entry] of Object.entries(ENTRIES)) {
    it(`keeps the ${name} bundle under ${BUDGET_BYTES / 1024} KB`, async () => {
      const { code, metafile } = await buildLambdaBundle(entry);
      const inputs = Object.keys(metafile.inputs);
      console.log(`${name} bundle: ${(code.byteLength / 1024).toFixed(0)} KB (${inputs.length} inputs)`);
      expect(code.byteLength).toBeLessThan(BUDGET_BYTES);
      // Load-bearing exclusions: the YAML parser is for files, never for the deployed JSON.
      expect(inputs.some((path) => path.includes('node_modules/yaml/'))).toBe(false);
    }, 60_000);
  }
});
