import { Annotations, CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { bedrockModels, envKeyReferences, loadDeployConfig, type DeployConfig } from './config-document.ts';
import { AlarmFactory } from './constructs/alarm-factory.ts';
import { AlertTopics } from './constructs/alert-topics.ts';
import { BreakerTable } from './constructs/breaker-table.ts';
import { ConfigParameter } from './constructs/config-parameter.ts';
import { Dashboard } from './constructs/dashboard.ts';
import { DrillCanary } from './constructs/drill-canary.ts';
import { HealthCheck } from './constructs/health-check.ts';
import { LayeredAlarms } from './constructs/layered-alarms.ts';
import { ProviderAccess } from './constructs/provider-access.ts';
import { ProxyFunction } from './constructs/proxy-function.ts';
import type { UnderstudyFunction } from './constructs/understudy-function.ts';
import { resolveSettings, type UnderstudySettings } from './settings.ts';

export type UnderstudyStackProps = StackProps & Partial<UnderstudySettings>;

/**
 * Understudy on AWS: the streaming proxy, the scheduled health checker, the shared breaker table,
 * the config parameter, layered alarms to three topics, and a dashboard. Every setting can come
 * from props or CDK context (see settings.ts); the config file is validated here, at synth.
 */
export class UnderstudyStack extends Stack {
  readonly settings: UnderstudySettings;
  readonly deployConfig: DeployConfig;
  readonly proxy: ProxyFunction;
  readonly health: HealthCheck;
  /** The scheduled drill, when `drillAlias` is set. */
  readonly drill?: DrillCanary;

  constructor(scope: Construct, id: string, props: UnderstudyStackProps = {}) {
    super(scope, id, props);
    const settings = (this.settings = resolveSettings(this, props));
    const deployConfig = (this.deployConfig = loadDeployConfig(settings.configFile, settings.keysPath));
    for (const { provider, reference } of envKeyReferences(deployConfig.config)) {
      Annotations.of(this).addWarningV2(
        'understudy:env-key-reference',
        `provider "${provider}" takes its key from ${reference}, which the deployed functions never have; it will be skipped. Use ssm:${settings.keysPath}/${provider} and create that SecureString.`,
      );
    }

    const table = new BreakerTable(this, 'Breakers');
    const configParameter = new ConfigParameter(this, 'Config', { parameterName: settings.configParameterName, config: deployConfig });
    const environment = {
      UNDERSTUDY_CONFIG_PARAMETER: settings.configParameterName,
      UNDERSTUDY_BREAKER_TABLE: table.table.tableName,
      UNDERSTUDY_KEYS_PATH: settings.keysPath,
      // Static stability: a cold start serves this copy when SSM is unreachable.
      UNDERSTUDY_BUNDLED_CONFIG: deployConfig.json,
    };

    this.proxy = new ProxyFunction(this, 'Proxy', {
      entry: settings.proxyEntry,
      authMode: settings.authMode,
      memorySize: settings.proxyMemoryMb,
      timeout: settings.proxyTimeout,
      ...(settings.reservedConcurrency !== undefined ? { reservedConcurrency: settings.reservedConcurrency } : {}),
      logRetention: settings.logRetention,
      environment,
      bundleMetafile: settings.bundleMetafile,
    });
    this.health = new HealthCheck(this, 'Health', {
      entry: settings.healthEntry,
      logRetention: settings.logRetention,
      environment,
      bundleMetafile: settings.bundleMetafile,
    });

    const functions = [this.proxy.function, this.health.function];
    for (const f of functions) {
      table.grantBreakerAccess(f.role);
      configParameter.grantRead(f.role);
    }
    // The status page on the function URL lists every target of the table (keys only); the health checker does not.
    table.grantBreakerListing(this.proxy.function.role);
    new ProviderAccess(this, 'ProviderAccess', {
      keysPath: settings.keysPath,
      bedrock: bedrockModels(deployConfig.config),
      roles: functions.map((f): IRole => f.role),
    });
    for (const f of functions) acknowledgeFunctionFindings(f);
    Validations.of(this.proxy.function.fn).acknowledge({
      id: 'Serverless-LambdaAsyncFailureDestination',
      reason: 'The proxy is only invoked synchronously through its function URL; there are no asynchronous events to capture.',
    }, {
      id: 'Serverless-LambdaDLQ',
      reason: 'The proxy is only invoked synchronously through its function URL; the caller gets the error, nothing is left to redrive.',
    });
    Validations.of(this.health.function.fn).acknowledge({
      id: 'Serverless-LambdaAsyncFailureDestination',
      reason: 'A failed health-check run has nothing to redrive: the next scheduled run a minute later probes afresh, and errors and silence raise alarms.',
    }, {
      id: 'Serverless-LambdaDLQ',
      reason: 'A failed health-check run has nothing to redrive: the next scheduled run a minute later probes afresh, and errors and silence raise alarms.',
    });

    if (settings.drillAlias !== undefined) {
      this.drill = new DrillCanary(this, 'Drill', {
        entry: settings.drillEntry,
        logRetention: settings.logRetention,
        bundleMetafile: settings.bundleMetafile,
        alias: settings.drillAlias,
        config: deployConfig.config,
        scheduleHours: settings.drillScheduleHours,
        keyParameterName: settings.drillKeyParameter,
        configParameter: configParameter.parameter,
        proxyUrl: this.proxy.url.url,
      });
    }

    const alerts = new AlertTopics(this, 'Alerts', { emails: settings.alertEmails });
    const factory = new AlarmFactory(this, 'Alarms', alerts.topics, settings.runbookUrl);
    const alarms = new LayeredAlarms(this, 'Layers', {
      config: deployConfig.config,
      factory,
      proxy: this.proxy.fn,
      health: this.health.fn,
      ...(this.drill ? { drill: { alias: this.drill.alias, fn: this.drill.fn } } : {}),
    });
    new Dashboard(this, 'Dashboard', { config: deployConfig.config, proxy: this.proxy.fn, health: this.health.fn, alarms });

    new CfnOutput(this, 'ProxyUrl', { value: this.proxy.url.url, description: 'Proxy base URL (SDK base URL: <ProxyUrl>v1)' });
    new CfnOutput(this, 'WarnTopicArn', { value: alerts.topics.warn.topicArn });
    new CfnOutput(this, 'FailoverTopicArn', { value: alerts.topics.failover.topicArn });
    new CfnOutput(this, 'PageTopicArn', { value: alerts.topics.page.topicArn });
    new CfnOutput(this, 'BreakerTableName', { value: table.table.tableName });
    new CfnOutput(this, 'ConfigParameterName', { value: configParameter.parameter.parameterName });
    if (this.drill) new CfnOutput(this, 'DrillFunctionName', { value: this.drill.fn.functionName });
  }
}

/** Findings that hold for both functions, each with why it does not apply here. */
function acknowledgeFunctionFindings(f: UnderstudyFunction): void {
  Validations.of(f.fn).acknowledge({
    id: 'Serverless-LambdaTracing',
    reason: 'X-Ray tracing does not follow response streaming (Powertools Tracer is disabled in streaming mode); latency is measured with EMF metrics (TimeToFirstToken, Duration, ProbeLatency) instead.',
  });
}
