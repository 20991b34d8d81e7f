import { readFileSync } from 'node:fs';
import { parseConfigText } from '../functions/config/parse-text.ts';
import type { Config } from '../functions/config/schema.ts';
import { sealedJson } from '../functions/config/seal.ts';

/** The configuration as the stack deploys it: validated at synth, serialised once. */
export interface DeployConfig {
  /** Where it was read from (for messages). */
  path: string;
  config: Config;
  /** The validated document (defaults filled in), sealed, as compact JSON: what the functions receive. */
  json: string;
  /** Byte length of `json` in UTF-8 (SSM and Lambda limits count bytes). */
  bytes: number;
}

/**
 * Reads and validates the configuration file. Synth fails with every error path when the document
 * is invalid, and when a key reference points outside the keys path the functions may read.
 */
export function loadDeployConfig(path: string, keysPath: string): DeployConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the configuration file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const parsed = parseConfigText(text);
  if (!parsed.ok) throw new Error(`invalid configuration in ${path}:\n  ${parsed.errors.join('\n  ')}`);

  const outside = ssmKeyReferences(parsed.config).filter((ref) => !ref.parameter.startsWith(`${keysPath}/`));
  if (outside.length > 0) {
    const lines = outside.map((ref) => `providers.${ref.provider}.apiKey: ssm:${ref.parameter} is outside the keys path ${keysPath}/ that the functions may read`);
    throw new Error(`invalid configuration in ${path}:\n  ${lines.join('\n  ')}`);
  }
  const json = sealedJson(parsed.config);
  return { path, config: parsed.config, json, bytes: Buffer.byteLength(json, 'utf8') };
}

/** Providers whose key is an `ssm:` reference, with the parameter name. */
export function ssmKeyReferences(config: Config): { provider: string; parameter: string }[] {
  return Object.entries(config.providers).flatMap(([provider, p]) =>
    p.apiKey?.startsWith('ssm:') ? [{ provider, parameter: p.apiKey.slice(4) }] : [],
  );
}

/** Providers whose key is an `env:` reference: usable locally, never set on the deployed functions. */
export function envKeyReferences(config: Config): { provider: string; reference: string }[] {
  return Object.entries(config.providers).flatMap(([provider, p]) => (p.apiKey?.startsWith('env:') ? [{ provider, reference: p.apiKey }] : []));
}

/** One Bedrock provider with the model ids the aliases route to it, in config order. */
export interface BedrockModels {
  provider: string;
  region: string;
  models: string[];
}

export function bedrockModels(config: Config): BedrockModels[] {
  const out: BedrockModels[] = [];
  for (const [name, provider] of Object.entries(config.providers)) {
    if (provider.kind !== 'bedrock' || !provider.region) continue;
    const models = new Set<string>();
    for (const alias of Object.values(config.aliases)) {
      // A shadow target is invoked like any other: it needs the same grant.
      for (const target of [...alias.targets, ...(alias.shadow ? [alias.shadow.target] : [])]) {
        if (target.provider === name) models.add(target.model);
      }
    }
    if (models.size > 0) out.push({ provider: name, region: provider.region, models: [...models] });
  }
  return out;
}
