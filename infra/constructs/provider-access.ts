import { Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { BedrockModels } from '../config-document.ts';

export interface ProviderAccessProps {
  /** SSM path prefix of the SecureString keys, e.g. `/understudy/keys`. */
  keysPath: string;
  /** Bedrock providers and their models; empty when none is configured. */
  bedrock: readonly BedrockModels[];
  roles: readonly IRole[];
}

/** Reading a SecureString: kms:Decrypt under the AWS-managed aws/ssm key, only through SSM in this region. */
export function decryptThroughSsm(stack: Stack): PolicyStatement {
  const { partition, region, account } = stack;
  return new PolicyStatement({
    actions: ['kms:Decrypt'],
    resources: [`arn:${partition}:kms:${region}:${account}:key/*`],
    conditions: { StringEquals: { 'kms:ViaService': `ssm.${region}.amazonaws.com` } },
  });
}

/** Why decryptThroughSsm's key wildcard is acceptable (cdk-nag). */
export const DECRYPT_THROUGH_SSM_ACKNOWLEDGEMENT = {
  id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
  reason: 'SecureStrings use the AWS-managed aws/ssm key, whose id is not known at synth; kms:ViaService limits Decrypt to calls made through SSM in this region.',
};

/** Cross-region inference profile ids carry a geography prefix (`us.anthropic.claude-…`). */
const INFERENCE_PROFILE_PREFIX = /^(global|us|us-gov|eu|apac|jp|au|ca)\.(.+)$/;

/**
 * What the functions need to reach the providers: the operator-created SecureString keys under the
 * keys path (decrypted with the AWS-managed `aws/ssm` key) and, only when configured, Bedrock models.
 * Each is its own policy so that cdk-nag acknowledgements cover exactly the statements they explain.
 */
export class ProviderAccess extends Construct {
  readonly keysPolicy: Policy;
  readonly bedrockPolicy?: Policy;

  constructor(scope: Construct, id: string, props: ProviderAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { partition, region, account } = stack;
    const parameterArn = (name: string) => `arn:${partition}:ssm:${region}:${account}:parameter${name}`;

    this.keysPolicy = new Policy(this, 'Keys', {
      roles: [...props.roles],
      statements: [
        new PolicyStatement({
          actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
          // The path itself (GetParametersByPath) and everything below it.
          resources: [parameterArn(props.keysPath), parameterArn(`${props.keysPath}/*`)],
        }),
        decryptThroughSsm(stack),
      ],
    });
    Validations.of(this.keysPolicy).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${props.keysPath}/*]`,
        reason: `Provider keys and client key hashes are SecureStrings the operator creates under ${props.keysPath}/ after deploy (CloudFormation cannot create SecureStrings), so their names are not known at synth; access stops at that prefix.`,
      },
      DECRYPT_THROUGH_SSM_ACKNOWLEDGEMENT,
    );

    if (props.bedrock.length > 0) {
      const resources: string[] = [];
      const wildcards: string[] = [];
      for (const { region: bedrockRegion, models } of props.bedrock) {
        for (const model of models) {
          const grant = bedrockResources(model, bedrockRegion, partition, account);
          resources.push(...grant.resources);
          wildcards.push(...grant.wildcards);
        }
      }
      this.bedrockPolicy = new Policy(this, 'Bedrock', {
        roles: [...props.roles],
        statements: [
          new PolicyStatement({
            actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
            resources: [...new Set(resources)],
          }),
        ],
      });
      for (const arn of new Set(wildcards)) {
        Validations.of(this.bedrockPolicy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${arn}]`,
          reason: 'A cross-region inference profile routes each call to a foundation model in one of several regions that AWS chooses and extends over time, so the model must be allowed in every region; access stays limited to this model id.',
        });
      }
    }
  }
}

/**
 * ARNs to invoke one configured model id. A plain id is a foundation model in the provider's region.
 * An inference profile needs the profile itself plus the underlying model in whichever region the
 * profile routes to (any region, and for `global.` profiles also the region-less model ARN).
 * `wildcards` lists, in cdk-nag's notation, the ARNs that carry a region wildcard.
 */
export function bedrockResources(model: string, region: string, partition: string, account: string): { resources: string[]; wildcards: string[] } {
  if (model.startsWith('arn:')) return { resources: [model], wildcards: [] };
  const profile = INFERENCE_PROFILE_PREFIX.exec(model);
  if (!profile) return { resources: [`arn:${partition}:bedrock:${region}::foundation-model/${model}`], wildcards: [] };
  const [, geography, base] = profile;
  const resources = [
    `arn:${partition}:bedrock:${region}:${account}:inference-profile/${model}`,
    `arn:${partition}:bedrock:*::foundation-model/${base}`,
  ];
  const wildcards = [`arn:<AWS::Partition>:bedrock:*::foundation-model/${base}`];
  if (geography === 'global') resources.push(`arn:${partition}:bedrock:::foundation-model/${base}`);
  return { resources, wildcards };
}
