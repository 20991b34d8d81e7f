import { resolve } from 'node:path';
import { Token, type Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../../functions/config/metric-names.ts';
import { REPO_ROOT } from '../settings.ts';

/** Lambda's limit on the environment of one function: every key and value together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** What a value unknown at synth (a generated resource name) may cost at most. */
const UNRESOLVED_VALUE_ALLOWANCE_BYTES = 256;

export interface UnderstudyFunctionProps {
  /** Handler file exporting `handler`. */
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  reservedConcurrentExecutions?: number;
  /** Lambda's own retries of a failed asynchronous invocation (its default is 2). */
  retryAttempts?: number;
  logRetention: RetentionDays;
  environment: Record<string, string>;
  bundleMetafile: boolean;
}

/**
 * One of our functions with the shared choices: a pinned Node 24 runtime on ARM64, an ESM bundle
 * built locally by esbuild (no Docker) with the AWS SDK left to the runtime, its own log group with
 * retention, and a role that can write only to that log group (no managed policy with `logs:*`).
 */
export class UnderstudyFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: UnderstudyFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(this.role);

    const environment = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      ...props.environment,
    };
    checkEnvironmentSize(id, environment);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      // Pinned: NODEJS_LATEST moves under us and bundles the SDK instead of using the runtime's.
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment,
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        externalModules: ['@aws-sdk/*'],
        // Bundled CommonJS dependencies may require() Node built-ins, which plain ESM cannot.
        banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
        metafile: props.bundleMetafile,
      },
    });
    // The role must exist with its log permissions before the function can start.
    this.fn.node.addDependency(this.role);
  }
}

/**
 * Fails synth when the environment cannot fit Lambda's 4 KB limit. The bundled config is the large
 * value; values unknown until deploy (generated names) are counted at their largest plausible size.
 */
export function checkEnvironmentSize(functionId: string, environment: Record<string, string>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    bytes += Buffer.byteLength(key, 'utf8');
    bytes += Token.isUnresolved(value) ? UNRESOLVED_VALUE_ALLOWANCE_BYTES : Buffer.byteLength(value, 'utf8');
  }
  if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new Error(
      `${functionId}: the environment needs about ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit. ` +
        'UNDERSTUDY_BUNDLED_CONFIG carries the whole validated config (defaults included) for static stability: ' +
        'shorten the config (fewer aliases, targets or providers; shorter names) so its JSON stays under about 3 KB.',
    );
  }
}
