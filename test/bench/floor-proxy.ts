import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerProbes } from './child-probe.ts';

/**
 * The floor: what any proxy must at least cost. A plain node:http pass-through to one upstream with
 * keep-alive connections: the client's request line, headers and body go up as they are, the
 * upstream's status, headers and bytes come back as they are. No parsing, no policy, no failover.
 */
const upstream = new URL(process.env.BENCH_UPSTREAM!);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);

function endToEnd(headers: NodeJS.Dict<string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  const up = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...endToEnd(req.headers), host: upstream.host },
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      answer.pipe(res);
    },
  );
  up.setNoDelay(true);
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"upstream unreachable","type":"server_error"}}');
  });
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
answerProbes();
