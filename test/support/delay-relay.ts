import { createServer, connect, type AddressInfo } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 in front of `target` that holds every answer back by `delayMs`: a slower
 * store (DynamoDB across a network, or under load) as seen from its client. Requests pass at once.
 */
export async function startDelayRelay(target: string, delayMs: number): Promise<{ endpoint: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<{ destroy(): void }>();
  const server = createServer((client) => {
    const store = connect(Number(port), hostname);
    sockets.add(client).add(store);
    client.setNoDelay(true);
    store.setNoDelay(true);
    client.pipe(store);
    // The same delay for every chunk: timers fire in order, so the bytes stay in order.
    const later = (then: () => void) => (delayMs > 0 ? void setTimeout(then, delayMs) : then());
    store.on('data', (chunk) => later(() => void (client.destroyed || client.write(chunk))));
    store.on('end', () => later(() => client.end()));
    const drop = () => {
      client.destroy();
      store.destroy();
      sockets.delete(client);
      sockets.delete(store);
    };
    client.on('error', drop).on('close', drop);
    store.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
