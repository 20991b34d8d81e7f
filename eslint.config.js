import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'coverage/**', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Only the adapters may write to the console; the core reports through the Telemetry port.
    files: ['functions/core/**', 'functions/dialects/**', 'functions/config/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // What the Lambda functions load at start: the config schema (zod, most of the bundle and of a
    // cold start) only through the lazy full validation of an unsealed document (config/sealed.ts),
    // and node:http only as its CommonJS object.
    files: ['functions/core/**', 'functions/dialects/**', 'functions/ir/**', 'functions/adapters/**', 'functions/proxy/**', 'functions/health/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/config/schema.ts', '**/config/load.ts', '**/config/seal.ts', 'zod'], allowTypeImports: true, message: 'the Lambda starts without the schema: use config/resolve.ts, or a type import' },
          ],
          // An ESM import of node:http(s) loads Node's undici (~70 ms of CPU) at every cold start.
          paths: ['node:http', 'node:https', 'http', 'https'].map((name) => ({ name, allowTypeImports: true, message: 'use adapters/node-http-modules.ts (an ESM import of node:http loads undici at start), or a type import' })),
        },
      ],
    },
  },
);
