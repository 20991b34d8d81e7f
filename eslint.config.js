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
    // cold start) only through the lazy full validation of an unsealed document (config/sealed.ts).
    files: ['functions/core/**', 'functions/dialects/**', 'functions/ir/**', 'functions/adapters/**', 'functions/proxy/**', 'functions/health/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/config/schema.ts', '**/config/load.ts', '**/config/seal.ts', 'zod'], allowTypeImports: true, message: 'the Lambda starts without the schema: use config/resolve.ts, or a type import' },
          ],
        },
      ],
    },
  },
);
