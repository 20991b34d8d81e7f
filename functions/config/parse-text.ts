import { parse as parseYaml } from 'yaml';
import { validateConfig, type ConfigResult } from './load.ts';

/**
 * Parses YAML or JSON text (JSON is YAML) and validates it: the config file of `npm start`, the
 * CLIs and the deploy. Kept apart from load.ts so the Lambda bundle, which reads JSON from SSM,
 * does not carry a YAML parser.
 */
export function parseConfigText(text: string): ConfigResult {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    return { ok: false, errors: [`not valid YAML or JSON: ${(error as Error).message}`] };
  }
  return validateConfig(document);
}
