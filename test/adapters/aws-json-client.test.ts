import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsCallError, AwsJsonClient, SSM_SERVICE, serviceEndpoint, signedHeaders } from '../../functions/adapters/aws-json-client.ts';
import { FakeSsm } from '../support/fake-ssm.ts';

/**
 * The signed JSON call the Lambda reads Parameter Store with: the signature is the SDK signer's
 * (compared directly, and checked by the fake on every request), service errors keep their AWS
 * names, transient faults are retried once, and a caller's deadline stops the call.
 */

class Sha256 {
  private readonly hash;
  constructor(secret?: unknown) {
    this.hash = secret ? createHmac('sha256', secret as string) : createHash('sha256');
  }
  update(data: unknown): void {
    this.hash.update(data as string);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

describe('signedHeaders', () => {
  it.each<[string, { accessKeyId: string; secretAccessKey: string; sessionToken?: string }]>([
    ['without a session token', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }],
    ['with a session token (Lambda credentials)', { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token/with+chars=' }],
  ])('matches the SDK signer %s', async (_, credentials) => {
    const now = new Date('2026-12-02T15:04:05.678Z');
    const body = '{"Name":"/understudy/config","WithDecryption":true}';
    const ours = signedHeaders({
      host: 'ssm.eu-west-1.amazonaws.com',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
      body,
      region: 'eu-west-1',
      service: 'ssm',
      credentials,
      now,
    });
    const sdk = await new SignatureV4({ service: 'ssm', region: 'eu-west-1', credentials, sha256: Sha256 as never, applyChecksum: false }).sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'ssm.eu-west-1.amazonaws.com',
        path: '/',
        query: {},
        headers: { host: 'ssm.eu-west-1.amazonaws.com', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
        body,
      },
      { signingDate: now },
    );
    expect(ours.authorization).toBe(sdk.headers.authorization);
    expect(ours['x-amz-date']).toBe('20261202T150405Z');
    expect(ours['x-amz-security-token']).toBe(credentials.sessionToken);
  });
});

describe('serviceEndpoint', () => {
  it('is the regional endpoint unless the SDK endpoint variables say otherwise', () => {
    expect(serviceEndpoint(SSM_SERVICE, { AWS_REGION: 'eu-west-1' }).href).toBe('https://ssm.eu-west-1.amazonaws.com/');
    expect(serviceEndpoint(SSM_SERVICE, { AWS_REGION: 'cn-north-1' }).href).toBe('https://ssm.cn-north-1.amazonaws.com.cn/');
    expect(serviceEndpoint(SSM_SERVICE, { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1/' }).href).toBe('http://127.0.0.1:1/');
    expect(serviceEndpoint(SSM_SERVICE, { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1/', AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:2/' }).href).toBe('http://127.0.0.1:2/');
  });
});

describe('AwsJsonClient', () => {
  let ssm: FakeSsm;
  beforeEach(async () => {
    ssm = await new FakeSsm().start();
  });
  afterEach(() => ssm.close());

  const env = () => ({ AWS_ENDPOINT_URL_SSM: ssm.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });

  it('reads a parameter with one signed call', async () => {
    ssm.put('/understudy/keys/openai', 'sk-test', 'SecureString');
    const out = await ssm.calls().call<{ Parameter: { Value: string; Version: number } }>('GetParameter', { Name: '/understudy/keys/openai', WithDecryption: true });
    expect(out.Parameter).toMatchObject({ Value: 'sk-test', Version: 1 });
    expect(ssm.commands).toEqual([{ target: 'GetParameter', body: { Name: '/understudy/keys/openai', WithDecryption: true } }]);
  });

  it('is refused by the fake when signed with the wrong secret (the fake does check signatures)', async () => {
    const client = new AwsJsonClient(SSM_SERVICE, { ...env(), AWS_SECRET_ACCESS_KEY: 'not-y' }, { maxAttempts: 1 });
    const error = await client.call('GetParameter', { Name: '/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(ssm.commands).toEqual([]);
  });

  it('names service errors after their AWS type and does not retry them', async () => {
    const error = await new AwsJsonClient(SSM_SERVICE, env()).call('GetParameter', { Name: '/missing' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ParameterNotFound', status: 400 });
    expect((error as Error).message).toContain('Parameter /missing not found');
    expect(ssm.seen('GetParameter')).toHaveLength(1);
  });

  it('retries a 5xx or a throttle once, then gives up with the last error', async () => {
    ssm.put('/p', 'v');
    ssm.failNext(1, 'error500');
    const client = new AwsJsonClient(SSM_SERVICE, env());
    await expect(client.call('GetParameter', { Name: '/p' })).resolves.toMatchObject({ Parameter: { Value: 'v' } });
    ssm.failNext(2, 'throttle');
    await expect(client.call('GetParameter', { Name: '/p' })).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(ssm.seen('GetParameter')).toHaveLength(4);
  });

  it('stops at the caller’s deadline when the service hangs', async () => {
    ssm.failNext(1, 'hang');
    const error = await new AwsJsonClient(SSM_SERVICE, env(), { maxAttempts: 3 }).call('GetParameter', { Name: '/p' }, AbortSignal.timeout(50)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(ssm.seen('GetParameter')).toHaveLength(1);
  });

  it('says which variables are missing instead of sending an unsigned call', async () => {
    const error = await new AwsJsonClient(SSM_SERVICE, { AWS_ENDPOINT_URL_SSM: ssm.url, AWS_REGION: 'us-east-1' }).call('GetParameter', { Name: '/p' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'CredentialsMissing' });
    expect(ssm.commands).toEqual([]);
  });
});
