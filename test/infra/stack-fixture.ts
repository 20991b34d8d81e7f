import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addComplianceChecks } from '../../infra/checks/compliance.ts';
import { UnderstudyStack, type UnderstudyStackProps } from '../../infra/understudy-stack.ts';

/** The functions' real entries are someone else's; the stack only needs a file that exists. */
export const STUB_ENTRY = 'test/infra/fixtures/stub-handler.ts';

/**
 * Three provider kinds, one of them Bedrock with a plain model id and a cross-region inference
 * profile; two aliases whose fallbacks overlap (openai/gpt-4o-mini is first of `fast`, bedrock is a
 * fallback of both).
 */
export const TEST_CONFIG = `
providers:
  openai:    { kind: openai, apiKey: ssm:/understudy/keys/openai }
  anthropic: { kind: anthropic, apiKey: ssm:/understudy/keys/anthropic }
  bedrock:   { kind: bedrock, region: eu-west-1 }
aliases:
  smart:
    targets:
      - { provider: anthropic, model: claude-sonnet-4-5 }
      - { provider: bedrock, model: eu.anthropic.claude-sonnet-4-5-20250929-v1:0 }
      - { provider: openai, model: gpt-4o }
  fast:
    targets:
      - { provider: openai, model: gpt-4o-mini }
      - { provider: bedrock, model: amazon.nova-lite-v1:0 }
`;

export const NO_BEDROCK_CONFIG = `
providers:
  openai:    { kind: openai, apiKey: ssm:/understudy/keys/openai }
  anthropic: { kind: anthropic, apiKey: ssm:/understudy/keys/anthropic }
aliases:
  only:
    targets:
      - { provider: openai, model: gpt-4o }
      - { provider: anthropic, model: claude-sonnet-4-5 }
`;

/** Writes a config document to a fresh temporary file and returns its path. */
export function writeConfig(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'understudy-infra-')), 'understudy.config.yaml');
  writeFileSync(path, text);
  return path;
}

export interface Built {
  app: App;
  stack: UnderstudyStack;
  /** Synthesized on first use; that first synth also runs the compliance checks. */
  readonly template: Template;
}

/**
 * The stack as the CLI builds it (compliance checks included), with bundling skipped: validation
 * plugins still run on the first synth, whether `app.synth()` or the lazy `template`.
 */
export function buildStack(
  options: { config?: string; props?: UnderstudyStackProps; context?: Record<string, unknown> } = {},
): Built {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...options.context } });
  const stack = new UnderstudyStack(app, 'Understudy', {
    configFile: writeConfig(options.config ?? TEST_CONFIG),
    proxyEntry: STUB_ENTRY,
    healthEntry: STUB_ENTRY,
    ...options.props,
  });
  addComplianceChecks(app);
  let template: Template | undefined;
  return {
    app,
    stack,
    get template() {
      template ??= Template.fromStack(stack);
      return template;
    },
  };
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** Logical id of the single resource of a type whose properties satisfy a predicate. */
export function logicalIdOf(template: Template, type: string, where: (properties: Record<string, unknown>) => boolean): string {
  const matches = Object.entries(template.toJSON().Resources as Resources).filter(([, r]) => r.Type === type && where(r.Properties));
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return matches[0]![0];
}

export function resourcesOf(template: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.toJSON().Resources as Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties]);
}
