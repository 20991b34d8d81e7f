import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsJsonClient, SSM_SERVICE } from '../../functions/adapters/aws-json-client.ts';

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
 * asks `WithDecryption: true`, so a missing flag shows up as a wrong value in tests. Every request's
 * Signature V4 is checked with the SDK's own signer against the test credentials (`x` / `y`), so
 * the proxy's own signed calls (adapters/aws-json-client.ts) are held to what AWS would accept.
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

  /** The proxy's own Parameter Store client (as the Lambda composition creates it), pointed here. */
  calls(options: { maxAttempts?: number } = { maxAttempts: 1 }): AwsJsonClient {
    return new AwsJsonClient(SSM_SERVICE, { AWS_ENDPOINT_URL_SSM: this.url, ...TEST_ENV }, options);
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
    const body = Buffer.concat(chunks).toString('utf8');
    const denied = await signatureProblem(req, body);
    if (denied) return sendError(res, 400, 'InvalidSignatureException', denied);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !target.startsWith('AmazonSSM.')) return sendError(res, 400, 'UnknownOperationException', `unexpected ${req.method} ${target}`);
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return sendError(res, 400, 'SerializationException', 'body is not JSON');
    }
    const operation = target.slice('AmazonSSM.'.length);
    this.commands.push({ target: operation, body: input });

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
        return this.getParameter(res, input);
      case 'GetParameters':
        return this.getParameters(res, input);
      case 'GetParametersByPath':
        return this.getParametersByPath(res, input);
      case 'PutParameter':
        return this.putParameter(res, input);
      case 'DeleteParameter':
        return this.deleteParameter(res, input);
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

/** The credentials every test signs with (the SDK clients in tests and `calls()`). */
export const TEST_CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'y' };
const TEST_ENV = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey };

/** SHA-256 for the SDK's signer, from node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/**
 * Re-signs the request with `@smithy/signature-v4` (the headers it says it signed, its date and
 * scope, the test secret) and compares: undefined when the signature is what AWS would compute.
 */
async function signatureProblem(req: IncomingMessage, body: string): Promise<string | undefined> {
  const authorization = String(req.headers.authorization ?? '');
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return 'missing or malformed SigV4 authorization header';
  const [, accessKeyId, , region, service, signedNames, signature] = match;
  if (accessKeyId !== TEST_CREDENTIALS.accessKeyId) return `unknown access key ${accessKeyId}`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const headers: Record<string, string> = {};
  for (const name of signedNames!.split(';')) headers[name] = String(req.headers[name] ?? '');
  const signer = new SignatureV4({
    service: service!,
    region: region!,
    credentials: { ...TEST_CREDENTIALS, ...(req.headers['x-amz-security-token'] ? { sessionToken: String(req.headers['x-amz-security-token']) } : {}) },
    sha256: Sha256,
    applyChecksum: false,
  });
  const url = new URL(req.url ?? '/', 'http://fake');
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const expected = await signer.sign(
    { method: req.method ?? 'POST', protocol: 'http:', hostname: headers.host ?? '', path: url.pathname, query: {}, headers, body },
    { signingDate },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1];
  return expectedSignature === signature ? undefined : 'The request signature we calculated does not match the signature you provided.';
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
