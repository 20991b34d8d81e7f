import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from './checks/compliance.ts';
import { UnderstudyStack } from './understudy-stack.ts';

/** `cdk synth` / `cdk deploy`: one stack; settings from CDK context (see infra/settings.ts). */
const app = new App();
const stackName = app.node.tryGetContext('stackName');
new UnderstudyStack(app, typeof stackName === 'string' && stackName !== '' ? stackName : 'Understudy', {
  description: 'Understudy: LLM failover proxy (function URL with response streaming, shared breakers, layered alarms)',
});
addComplianceChecks(app);
app.synth();
