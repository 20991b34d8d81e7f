import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SERVICE_NAME } from '../config/metric-names.ts';
import { cloudWatchAlarms } from './alarms.ts';
import { DrillClient } from './client.ts';
import { renderSummary, type DrillReport } from './report.ts';
import { FLEET_OPTIONS, runDrill } from './run-drill.ts';
import { ssmConfigControl } from './ssm-config-control.ts';

/**
 * The scheduled drill (infra/constructs/drill-canary.ts): the same game day as `npm run drill`,
 * against the stack's own function URL and a drill-only alias, so the fallback path is exercised
 * every day and not only during an outage. A failed drill throws, so it counts in the function's
 * Errors metric and raises the stack's drill-failed alarm. The report is logged (it holds no
 * prompt, answer or key).
 */

const ssm = new SSMClient({});
const cloudwatch = new CloudWatchClient({});
const logger = new Logger({ serviceName: SERVICE_NAME });

/** Kept back from the function's timeout so the fault is always removed before Lambda stops us. */
const RESTORE_RESERVE_MS = 60_000;

export async function handler(_event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<{ passed: true; durationMs: number; requests: number }> {
  const env = process.env;
  const url = required('UNDERSTUDY_DRILL_URL');
  const alias = required('UNDERSTUDY_DRILL_ALIAS');
  const stack = required('UNDERSTUDY_STACK_NAME');
  const control = ssmConfigControl(ssm, required('UNDERSTUDY_CONFIG_PARAMETER'));
  const key = (await ssm.send(new GetParameterCommand({ Name: required('UNDERSTUDY_DRILL_KEY_PARAMETER'), WithDecryption: true }))).Parameter?.Value;
  if (!key) throw new Error('the drill key parameter is empty: store a proxy API key for the drill alias there (npm run keys -- create)');

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, context.getRemainingTimeInMillis() - RESTORE_RESERVE_MS));
  let report: DrillReport;
  try {
    report = await runDrill(
      { alias, url, openSlack: FLEET_OPTIONS.openSlack, intervalMs: Number(env.UNDERSTUDY_DRILL_INTERVAL_MS ?? FLEET_OPTIONS.intervalMs) },
      {
        traffic: new DrillClient({ url, alias, key, dialect: 'openai' }),
        control,
        alarms: cloudWatchAlarms(cloudwatch, stack, alias),
        signal: controller.signal,
        onStep: (step) => logger.info('drill step', { ...step }),
      },
    );
  } finally {
    clearTimeout(timer);
  }
  logger.info('drill report', { report: { ...report } });
  if (!report.passed) throw new Error(`drill of alias "${alias}" ${renderSummary(report)}`);
  return { passed: true, durationMs: report.durationMs, requests: report.requests };

  function required(name: string): string {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: the stack sets it on the drill function`);
    return value;
  }
}
