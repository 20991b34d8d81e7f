import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One stored parameter, as the fake keeps it. */
export interface FakeParameter {
  name: string;
  value: string;
  type: 'String' | 'StringList' | 'SecureString';
  version: number;
  tier: 'Standard' | 'Advanced' | 'Intelligent-Tiering';
  modified: number;
}

/** A command the fake received: the operation (`GetParameter`…) and the parsed JSON body. */
export interface SeenCommand {
  target: string;
  body: Record<string, unknown>;
}

export type Fault = 'error500' | 'throttle' | 'hang';

const STANDARD_LIMIT = 4096;
const ADVANCED_LIMIT = 8192;

/**
 * A Parameter Store on 127.0.0.1 speaking the AWS JSON 1.1 protocol (`x-amz-target: AmazonSSM.X`),
 * enough for a real SSMClient: GetParameter(s), GetParametersByPath, PutParameter, DeleteParameter,
 * with the real error shapes. SecureString values come back as an opaque blob unless the command
 * asks `WithDecryption: true`, so a missing flag shows up as a wrong value in tests.
 */
export class FakeSsm {
  readonly commands: SeenCommand[] = [];
  readonly parameters = new Map<string, FakeParameter>();
  private readonly server: Server;
  private readonly faults: Fault[] = [];
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.releaseHanging();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `count` commands fail with `fault`. */
  failNext(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Answers every hanging request with a 500 (so clients under test can finish). */
  releaseHanging(): void {
    for (const res of this.hanging) sendError(res, 500, 'InternalServerError', 'released');
    this.hanging.clear();
  }

  /** Seeds or replaces a parameter (bumps its version like PutParameter with Overwrite). */
  put(name: string, value: string, type: FakeParameter['type'] = 'String'): FakeParameter {
    const previous = this.parameters.get(name);
    const parameter: FakeParameter = { name, value, type, version: (previous?.version ?? 0) + 1, tier: value.length > STANDARD_LIMIT ? 'Advanced' : 'Standard', modified: Date.now() };
    this.parameters.set(name, parameter);
    return parameter;
  }

  /** Commands seen for one operation, e.g. `GetParameter`. */
  seen(operation: string): SeenCommand[] {
    return this.commands.filter((c) => c.target === operation);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !target.startsWith('AmazonSSM.')) return sendError(res, 400, 'UnknownOperationException', `unexpected ${req.method} ${target}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return sendError(res, 400, 'SerializationException', 'body is not JSON');
    }
    const operation = target.slice('AmazonSSM.'.length);
    this.commands.push({ target: operation, body });

    const fault = this.faults.shift();
    if (fault === 'error500') return sendError(res, 500, 'InternalServerError', 'injected failure');
    if (fault === 'throttle') return sendError(res, 400, 'ThrottlingException', 'Rate exceeded');
    if (fault === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }

    switch (operation) {
      case 'GetParameter':
        return this.getParameter(res, body);
      case 'GetParameters':
        return this.getParameters(res, body);
      case 'GetParametersByPath':
        return this.getParametersByPath(res, body);
      case 'PutParameter':
        return this.putParameter(res, body);
      case 'DeleteParameter':
        return this.deleteParameter(res, body);
      default:
        return sendError(res, 400, 'UnknownOperationException', `operation ${operation} is not faked`);
    }
  }

  private getParameter(res: ServerResponse, body: Record<string, unknown>): void {
    const parameter = this.parameters.get(String(body.Name));
    if (!parameter) return sendError(res, 400, 'ParameterNotFound', `Parameter ${String(body.Name)} not found.`);
    send(res, { Parameter: render(parameter, body.WithDecryption === true) });
  }

  private getParameters(res: ServerResponse, body: Record<string, unknown>): void {
    const names = Array.isArray(body.Names) ? body.Names.map(String) : [];
    const found = names.flatMap((name) => {
      const parameter = this.parameters.get(name);
      return parameter ? [render(parameter, body.WithDecryption === true)] : [];
    });
    send(res, { Parameters: found, InvalidParameters: names.filter((name) => !this.parameters.has(name)) });
  }

  private getParametersByPath(res: ServerResponse, body: Record<string, unknown>): void {
    const path = String(body.Path).replace(/\/$/, '');
    const recursive = body.Recursive === true;
    const all = [...this.parameters.values()]
      .filter((p) => p.name.startsWith(`${path}/`) && (recursive || !p.name.slice(path.length + 1).includes('/')))
      .sort((a, b) => a.name.localeCompare(b.name));
    const max = typeof body.MaxResults === 'number' ? body.MaxResults : 10;
    const start = typeof body.NextToken === 'string' ? Number(body.NextToken) : 0;
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? String(start + max) : undefined;
    send(res, { Parameters: page.map((p) => render(p, body.WithDecryption === true)), ...(next ? { NextToken: next } : {}) });
  }

  private putParameter(res: ServerResponse, body: Record<string, unknown>): void {
    const name = String(body.Name);
    const value = String(body.Value ?? '');
    const tier = (body.Tier as FakeParameter['tier'] | undefined) ?? 'Standard';
    const previous = this.parameters.get(name);
    if (previous && body.Overwrite !== true) return sendError(res, 400, 'ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    if (tier === 'Standard' && Buffer.byteLength(value) > STANDARD_LIMIT) return sendError(res, 400, 'ValidationException', `Standard tier parameters support a maximum parameter value of ${STANDARD_LIMIT} characters.`);
    if (Buffer.byteLength(value) > ADVANCED_LIMIT) return sendError(res, 400, 'ValidationException', `Advanced tier parameters support a maximum parameter value of ${ADVANCED_LIMIT} characters.`);
    const parameter: FakeParameter = { name, value, type: (body.Type as FakeParameter['type'] | undefined) ?? previous?.type ?? 'String', version: (previous?.version ?? 0) + 1, tier, modified: Date.now() };
    this.parameters.set(name, parameter);
    send(res, { Version: parameter.version, Tier: tier });
  }

  private deleteParameter(res: ServerResponse, body: Record<string, unknown>): void {
    const name = String(body.Name);
    if (!this.parameters.delete(name)) return sendError(res, 400, 'ParameterNotFound', `Parameter ${name} not found.`);
    send(res, {});
  }
}

function render(p: FakeParameter, decrypt: boolean): Record<string, unknown> {
  const value = p.type === 'SecureString' && !decrypt ? `AQICAH${Buffer.from(p.value).toString('base64').split('').reverse().join('')}` : p.value;
  return { Name: p.name, Type: p.type, Value: value, Version: p.version, LastModifiedDate: p.modified / 1000, ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${p.name}`, DataType: 'text' };
}

function send(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fake' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fake' });
  res.end(JSON.stringify({ __type: type, message }));
}
