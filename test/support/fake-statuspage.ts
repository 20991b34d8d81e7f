import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback Statuspage: `/api/v2/summary.json` answers with the components' current states; `/hang` never answers. */
export interface FakeStatuspage {
  url: string;
  /** The summary's URL. */
  summaryUrl: string;
  states: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeStatuspage(states: Record<string, string>): Promise<FakeStatuspage> {
  const page: FakeStatuspage = { url: '', summaryUrl: '', states, close: async () => {} };
  const server: Server = createServer((req, res) => {
    if (req.url === '/hang') return;
    if (req.url !== '/api/v2/summary.json') {
      res.writeHead(404).end();
      return;
    }
    const components = Object.entries(page.states).map(([name, status], i) => ({ id: `c${i}`, name, status, group: false }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ page: { id: 'p', name: 'Fake' }, status: { indicator: 'none' }, components, incidents: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  page.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  page.summaryUrl = `${page.url}/api/v2/summary.json`;
  page.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return page;
}
