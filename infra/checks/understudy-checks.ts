import { Stack, type CfnResource } from 'aws-cdk-lib';
import { CfnFunction, CfnUrl } from 'aws-cdk-lib/aws-lambda';
import { NagMessageLevel, NagPack, NagRuleCompliance, NagRules, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * A function URL is either AWS_IAM or NONE for a function that authenticates callers itself: the proxy
 * in `api-keys` mode (UNDERSTUDY_AUTH_MODE=api-keys) checks hashed client keys on every request.
 * Anything else would be an open relay that spends our provider keys.
 */
export function FunctionUrlAuth(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof CfnUrl)) return NagRuleCompliance.NOT_APPLICABLE;
  const stack = Stack.of(node);
  const authType: unknown = stack.resolve(node.authType);
  if (authType === 'AWS_IAM') return NagRuleCompliance.COMPLIANT;
  if (authType !== 'NONE') return NagRuleCompliance.NON_COMPLIANT;
  const logicalId: unknown = NagRules.resolveResourceFromIntrinsic(node, node.targetFunctionArn);
  const target = stack.node
    .findAll()
    .find((c): c is CfnFunction => c instanceof CfnFunction && stack.resolve(c.logicalId) === logicalId);
  if (!target) return NagRuleCompliance.NON_COMPLIANT;
  const environment = stack.resolve(target.environment) as { variables?: Record<string, unknown>; Variables?: Record<string, unknown> } | undefined;
  const variables = environment?.variables ?? environment?.Variables ?? {};
  return variables.UNDERSTUDY_AUTH_MODE === 'api-keys' ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

/** Project rules that the stock packs cannot know. Rule ids read `Understudy-<rule>`. */
export class UnderstudyChecks extends NagPack {
  readonly name = 'Understudy';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'Understudy';
  }

  protected checkResource(node: CfnResource): void {
    this.applyRule({
      info: 'The function URL has auth NONE but its function does not authenticate callers (UNDERSTUDY_AUTH_MODE=api-keys).',
      explanation: 'A public URL in front of the proxy without client keys lets anyone spend the provider keys; use authMode aws-iam or api-keys.',
      level: NagMessageLevel.ERROR,
      rule: FunctionUrlAuth,
      node,
    });
  }
}
