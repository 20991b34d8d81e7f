import { enableCompileCache } from 'node:module';

/**
 * `npm start`: turns on Node's compile cache, then runs the server (main.ts). The local server runs
 * from TypeScript sources, and each start strips the types of ~150 modules and compiles them,
 * about half of its CPU before it listens; the cache (in the OS temp directory, or
 * NODE_COMPILE_CACHE) keeps both, keyed by each file's content, so a start after the first
 * recompiles only what changed. It must be on before main.ts's imports load, hence this file.
 */
enableCompileCache();
await import('./main.ts');
