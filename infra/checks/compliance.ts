import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { UnderstudyChecks } from './understudy-checks.ts';

/**
 * The rule packs every synth runs (the CLI and the tests alike). A finding that is neither fixed nor
 * acknowledged with a reason fails synth.
 */
export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app), new UnderstudyChecks(app));
}
