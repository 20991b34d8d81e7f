import { createServer, connect, type AddressInfo } from 'node:net';
import { startDynalite } from '../support/dynalite.ts';
import { answerProbes } from './child-probe.ts';

/**
 * A DynamoDB-protocol store for the bench, in its own process: dynalite, and in front of it a TCP
 * relay per requested delay that holds every answer back by that many milliseconds (a slower
 * DynamoDB, as seen from the proxy). Reports `{ endpoints: { [delayMs]: url } }`.
 */
const delays = (process.env.BENCH_STORE_DELAYS ?? '0,20').split(',').map(Number);
const dynalite = await startDynalite();
const target = new URL(dynalite.endpoint);

async function relay(delayMs: number): Promise<string> {
  const server = createServer((client) => {
    const store = connect(Number(target.port), target.hostname);
    client.setNoDelay(true);
    store.setNoDelay(true);
    client.pipe(store);
    // Same delay for every chunk: timers fire in order, so the bytes stay in order.
    const later = (then: () => void) => (delayMs > 0 ? void setTimeout(then, delayMs) : then());
    store.on('data', (chunk) => later(() => void (client.destroyed || client.write(chunk))));
    store.on('end', () => later(() => client.end()));
    const drop = () => {
      client.destroy();
      store.destroy();
    };
    client.on('error', drop).on('close', drop);
    store.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const endpoints: Record<number, string> = {};
for (const delay of delays) endpoints[delay] = await relay(delay);
process.send?.({ endpoints });
answerProbes();
