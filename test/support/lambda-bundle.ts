import { build, type Metafile } from 'esbuild';

/**
 * A Lambda bundle built as the stack builds it (infra/constructs/understudy-function.ts: ESM,
 * node24, minified, the runtime's AWS SDK left out, a require shim for bundled CommonJS). Used by
 * the bundle budget test and by the bench, which imports it to time a cold start.
 */
export async function buildLambdaBundle(entry: string): Promise<{ code: Uint8Array; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    banner: { js: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]!.contents, metafile: result.metafile };
}
