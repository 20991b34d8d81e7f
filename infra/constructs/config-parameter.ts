import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { DeployConfig } from '../config-document.ts';

/** SSM value limits: Standard holds 4 KB, Advanced (charged per parameter) 8 KB. */
export const STANDARD_PARAMETER_LIMIT_BYTES = 4096;
export const ADVANCED_PARAMETER_LIMIT_BYTES = 8192;

export interface ConfigParameterProps {
  parameterName: string;
  config: DeployConfig;
}

/**
 * The validated configuration as a plain String parameter: it carries key references, never keys,
 * so it need not be a SecureString. The functions refresh from it at run time and fall back to the
 * copy bundled at deploy when SSM fails.
 */
export class ConfigParameter extends Construct {
  readonly parameter: StringParameter;

  constructor(scope: Construct, id: string, props: ConfigParameterProps) {
    super(scope, id);
    const { bytes } = props.config;
    if (bytes > ADVANCED_PARAMETER_LIMIT_BYTES) {
      throw new Error(`the configuration in ${props.config.path} is ${bytes} bytes as JSON, over the ${ADVANCED_PARAMETER_LIMIT_BYTES}-byte limit of an SSM parameter`);
    }
    this.parameter = new StringParameter(this, 'Parameter', {
      parameterName: props.parameterName,
      description: 'Understudy configuration (validated at synth; key references only)',
      stringValue: props.config.json,
      tier: bytes > STANDARD_PARAMETER_LIMIT_BYTES ? ParameterTier.ADVANCED : ParameterTier.STANDARD,
    });
  }

  grantRead(grantee: IGrantable): void {
    this.parameter.grantRead(grantee);
  }
}
