import { parseArgs } from 'node:util';
import { startDemo } from './demo.ts';

/** `npm run demo [-- --port N]`: see demo.ts. */
const { values } = parseArgs({ options: { port: { type: 'string' } }, strict: true });
const port = Number(values.port ?? process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`understudy demo: invalid port "${values.port}"\n`);
  process.exit(2);
}
try {
  const demo = await startDemo({ port });
  process.stdout.write(`${demo.instructions}\n\n`);
  const stop = () => void demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`understudy demo: ${(error as Error).message}\n`);
  process.exit(1);
}
