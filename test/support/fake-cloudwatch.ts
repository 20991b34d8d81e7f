import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeAlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/**
 * CloudWatch's DescribeAlarms on 127.0.0.1, in the AWS JSON 1.0 protocol the SDK speaks
 * (`x-amz-target: GraniteServiceVersion20100801.DescribeAlarms`), paged two alarms at a time so
 * clients must follow NextToken. Each alarm's state is a function, so a test can tie it to the fault.
 */
export class FakeCloudWatch {
  readonly alarms = new Map<string, () => FakeAlarmState>();
  readonly calls: Record<string, unknown>[] = [];
  private readonly server: Server;
  url = '';

  constructor() {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(body));
      };
      if (target !== 'GraniteServiceVersion20100801.DescribeAlarms') return reply(400, { __type: 'UnknownOperationException', message: `unexpected ${target}` });
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { AlarmNamePrefix?: string; NextToken?: string };
      this.calls.push(input);
      const names = [...this.alarms.keys()].filter((name) => name.startsWith(input.AlarmNamePrefix ?? '')).sort();
      const start = Number(input.NextToken ?? 0);
      const page = names.slice(start, start + 2);
      reply(200, {
        MetricAlarms: page.map((name) => ({ AlarmName: name, StateValue: this.alarms.get(name)!() })),
        CompositeAlarms: [],
        ...(start + 2 < names.length ? { NextToken: String(start + 2) } : {}),
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
