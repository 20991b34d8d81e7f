import { App } from 'aws-cdk-lib';
import { UnderstudyStack } from '../understudy-stack.ts';
import { alarmsOfTemplate, type AlarmSpec } from './template-alarms.ts';

/**
 * The stack's alarms for a config file, synthesized in process exactly as `cdk synth` would (bundling
 * skipped: alarms do not depend on the bundles). `context` takes the same settings as `-c`.
 */
export function synthesizedAlarms(configFile: string, context: Record<string, string> = {}): AlarmSpec[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new UnderstudyStack(app, 'Understudy', { configFile });
  return alarmsOfTemplate(app.synth().getStackByName(stack.stackName).template as Parameters<typeof alarmsOfTemplate>[0]);
}
