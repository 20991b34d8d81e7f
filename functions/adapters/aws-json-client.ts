import { createHash, createHmac } from 'node:crypto';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { http, https } from './node-http-modules.ts';

/**
 * One AWS JSON-protocol call (`POST /` with `x-amz-target`, the protocol of SSM and DynamoDB),
 * signed with Signature V4 from the function's credentials in the environment. The Lambda reads
 * its configuration and keys through this instead of the SDK client: `@aws-sdk/client-ssm` costs
 * ~90 ms of CPU to import, paid by every cold start before the first request could be served
 * (the keys are needed for it), while a signed JSON call costs a few HMACs. The SDK stays where
 * start-up does not matter (the CLI) and as the tests' reference signer.
 */

/** How a service is reached: its signing name, its target prefix, its JSON version. */
export interface AwsJsonService {
  /** SigV4 signing name and endpoint prefix, e.g. `ssm`. */
  signingName: string;
  /** Prefix of `x-amz-target`, e.g. `AmazonSSM`. */
  targetPrefix: string;
  /** `1.1` (SSM) or `1.0` (DynamoDB). */
  jsonVersion: '1.0' | '1.1';
  /** The SDK's per-service endpoint variable, e.g. `AWS_ENDPOINT_URL_SSM` (tests, VPC endpoints). */
  endpointVariable: string;
}

export const SSM_SERVICE: AwsJsonService = { signingName: 'ssm', targetPrefix: 'AmazonSSM', jsonVersion: '1.1', endpointVariable: 'AWS_ENDPOINT_URL_SSM' };

/** An error answered by the service (its `__type`, e.g. `ParameterNotFound`, is the name) or met on the way. */
export class AwsCallError extends Error {
  /** The HTTP status, when the service answered. */
  readonly status: number | undefined;
  constructor(name: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    this.status = status;
  }
}

/** What the client reads from the environment (Lambda sets all of these on every function). */
export interface AwsJsonEnvironment {
  AWS_REGION?: string;
  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  AWS_SESSION_TOKEN?: string;
  AWS_ENDPOINT_URL?: string;
  [name: string]: string | undefined;
}

/** One service's JSON operations, by name: what the SSM adapters need from a client. */
export interface AwsJsonCalls {
  /** Calls `operation` with `input`; resolves to the parsed answer, rejects with an error named after the service's error type. */
  call<T>(operation: string, input: object, signal?: AbortSignal): Promise<T>;
}

export interface AwsJsonClientOptions {
  /** Attempts per call on throttling, a 5xx or a network error (default 2); the caller's signal bounds them all. */
  maxAttempts?: number;
}

const RETRY_BASE_MS = 50;

export class AwsJsonClient implements AwsJsonCalls {
  private readonly service: AwsJsonService;
  private readonly env: AwsJsonEnvironment;
  private readonly maxAttempts: number;
  private endpoint: URL | undefined;
  private agent: HttpAgent | undefined;

  constructor(service: AwsJsonService, env: AwsJsonEnvironment, options: AwsJsonClientOptions = {}) {
    this.service = service;
    this.env = env;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 2);
  }

  /** Rejects with an `AwsCallError`. */
  async call<T>(operation: string, input: object, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.once(operation, JSON.stringify(input), signal)) as T;
      } catch (error) {
        if (attempt >= this.maxAttempts || signal?.aborted || !retryable(error)) throw error;
        // Full jitter, so instances that failed together do not retry together.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_BASE_MS * 2 ** attempt));
      }
    }
  }

  private async once(operation: string, body: string, signal: AbortSignal | undefined): Promise<unknown> {
    const endpoint = (this.endpoint ??= serviceEndpoint(this.service, this.env));
    const region = this.env.AWS_REGION ?? this.env.AWS_DEFAULT_REGION;
    const accessKeyId = this.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = this.env.AWS_SECRET_ACCESS_KEY;
    if (!region || !accessKeyId || !secretAccessKey) {
      throw new AwsCallError('CredentialsMissing', 'AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)');
    }
    const headers = signedHeaders({
      host: endpoint.host,
      path: endpoint.pathname || '/',
      headers: {
        'content-type': `application/x-amz-json-${this.service.jsonVersion}`,
        'x-amz-target': `${this.service.targetPrefix}.${operation}`,
      },
      body,
      region,
      service: this.service.signingName,
      credentials: { accessKeyId, secretAccessKey, ...(this.env.AWS_SESSION_TOKEN ? { sessionToken: this.env.AWS_SESSION_TOKEN } : {}) },
      now: new Date(),
    });
    const secure = endpoint.protocol === 'https:';
    const agent = (this.agent ??= secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true }));
    const response = await new Promise<{ status: number; text: string; errorType: string | undefined }>((resolve, reject) => {
      const req = (secure ? https.request : http.request)(
        endpoint,
        { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, ...(signal ? { signal } : {}) },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), errorType: header(res, 'x-amzn-errortype') }));
        },
      );
      req.on('error', (error) => reject(new AwsCallError(error.name === 'AbortError' ? 'TimeoutError' : 'NetworkError', `${this.service.signingName} ${operation}: ${error.message}`, undefined, { cause: error })));
      req.end(body);
    });
    let parsed: Record<string, unknown> = {};
    try {
      if (response.text) parsed = JSON.parse(response.text) as Record<string, unknown>;
    } catch {
      if (response.status === 200) throw new AwsCallError('SerializationError', `${this.service.signingName} ${operation}: the answer is not JSON`, response.status);
    }
    if (response.status === 200) return parsed;
    // `__type` may carry a namespace (`com.amazonaws.ssm#ParameterNotFound`); the header may carry a suffix after `:`.
    const type = String(parsed.__type ?? response.errorType ?? `Http${response.status}`);
    const name = type.slice(type.lastIndexOf('#') + 1).split(':')[0]!;
    const message = String(parsed.message ?? parsed.Message ?? '');
    throw new AwsCallError(name, `${this.service.signingName} ${operation}: ${name}${message ? `: ${message}` : ''}`, response.status);
  }

}

/** The service's endpoint: the SDK's endpoint variables when set, else the regional public one. */
export function serviceEndpoint(service: AwsJsonService, env: AwsJsonEnvironment): URL {
  const configured = env[service.endpointVariable] ?? env.AWS_ENDPOINT_URL;
  if (configured) return new URL(configured);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '';
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${service.signingName}.${region}.${suffix}/`);
}

function header(res: IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function retryable(error: unknown): boolean {
  if (!(error instanceof AwsCallError)) return false;
  if (error.status === undefined) return error.name === 'NetworkError';
  return error.status >= 500 || error.name === 'ThrottlingException' || error.name === 'ProvisionedThroughputExceededException' || error.name === 'RequestLimitExceeded';
}

export interface SigningInput {
  /** The `host` header value (with the port when not the default). */
  host: string;
  path: string;
  /** Headers to send and sign besides host and the x-amz ones, lower-case names. */
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  now: Date;
}

/**
 * Signature V4 for a POST without a query string (docs.aws.amazon.com/IAM/latest/UserGuide/
 * reference_sigv-create-signed-request.html): returns every header to send, `authorization` included.
 * Checked against the SDK's own signer (`@smithy/signature-v4`) in the tests.
 */
export function signedHeaders(input: SigningInput): Record<string, string> {
  const amzDate = input.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256Hex(input.body);
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.host,
    'x-amz-date': amzDate,
    ...(input.credentials.sessionToken ? { 'x-amz-security-token': input.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signed = names.join(';');
  const canonicalRequest = ['POST', input.path, '', canonicalHeaders, signed, payloadHash].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${input.credentials.secretAccessKey}`, day);
  for (const part of [input.region, input.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}` };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
