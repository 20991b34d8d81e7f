import type { Duration } from 'aws-cdk-lib';
import { FunctionUrlAuthType, InvokeMode, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AuthMode } from '../settings.ts';
import { UnderstudyFunction } from './understudy-function.ts';

export interface ProxyFunctionProps {
  entry: string;
  authMode: AuthMode;
  memorySize: number;
  timeout: Duration;
  reservedConcurrency?: number;
  logRetention: RetentionDays;
  /** Shared UNDERSTUDY_* settings (config parameter, table, keys path, bundled config). */
  environment: Record<string, string>;
  bundleMetafile: boolean;
}

/**
 * The proxy behind a streaming function URL. The URL's auth follows the auth mode; the handler is
 * told the mode too (UNDERSTUDY_AUTH_MODE), because with auth NONE it must check client keys itself.
 */
export class ProxyFunction extends Construct {
  readonly function: UnderstudyFunction;
  readonly url: FunctionUrl;

  get fn(): NodejsFunction {
    return this.function.fn;
  }

  constructor(scope: Construct, id: string, props: ProxyFunctionProps) {
    super(scope, id);
    this.function = new UnderstudyFunction(this, 'Proxy', {
      entry: props.entry,
      description: 'Understudy LLM failover proxy',
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      logRetention: props.logRetention,
      environment: { ...props.environment, UNDERSTUDY_AUTH_MODE: props.authMode },
      bundleMetafile: props.bundleMetafile,
    });
    this.url = this.function.fn.addFunctionUrl({
      authType: props.authMode === 'aws-iam' ? FunctionUrlAuthType.AWS_IAM : FunctionUrlAuthType.NONE,
      // Without streaming a function URL buffers the whole answer (and caps it at 6 MB).
      invokeMode: InvokeMode.RESPONSE_STREAM,
    });
  }
}
