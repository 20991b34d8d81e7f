import { vi } from 'vitest';
import { TEST_CREDENTIALS } from './fake-ssm.ts';

/**
 * The environment the stack gives the proxy function (infra/constructs/understudy-function.ts),
 * pointed at a fake Parameter Store and a dynalite table on loopback: what the tests of the real
 * exported handler set before importing it. Undone by `vi.unstubAllEnvs()`.
 */
export function stubLambdaEnvironment(args: { config: unknown; table: string; keysPath: string; ssmUrl: string; dynamoEndpoint: string }): void {
  vi.stubEnv('UNDERSTUDY_CONFIG_PARAMETER', '/understudy/config');
  vi.stubEnv('UNDERSTUDY_BUNDLED_CONFIG', JSON.stringify(args.config));
  vi.stubEnv('UNDERSTUDY_BREAKER_TABLE', args.table);
  vi.stubEnv('UNDERSTUDY_KEYS_PATH', args.keysPath);
  vi.stubEnv('UNDERSTUDY_AUTH_MODE', 'api-keys');
  vi.stubEnv('AWS_ENDPOINT_URL_SSM', args.ssmUrl);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', args.dynamoEndpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
}
