import type { DialectName } from '../ir/request.ts';

/**
 * Provider kinds. Each names the wire dialect it speaks, its default base URL (the official SDK's
 * convention) and whether it needs a key. OpenAI-compatible vendors are presets of `openai`.
 */
export interface ProviderKind {
  dialect: DialectName;
  baseUrl?: string;
  keyRequired: boolean;
}

export const PROVIDER_KINDS = {
  openai: { dialect: 'openai', baseUrl: 'https://api.openai.com/v1', keyRequired: true },
  'openai-compatible': { dialect: 'openai', keyRequired: false },
  'azure-openai': { dialect: 'openai', keyRequired: true },
  groq: { dialect: 'openai', baseUrl: 'https://api.groq.com/openai/v1', keyRequired: true },
  mistral: { dialect: 'openai', baseUrl: 'https://api.mistral.ai/v1', keyRequired: true },
  together: { dialect: 'openai', baseUrl: 'https://api.together.xyz/v1', keyRequired: true },
  fireworks: { dialect: 'openai', baseUrl: 'https://api.fireworks.ai/inference/v1', keyRequired: true },
  deepseek: { dialect: 'openai', baseUrl: 'https://api.deepseek.com/v1', keyRequired: true },
  xai: { dialect: 'openai', baseUrl: 'https://api.x.ai/v1', keyRequired: true },
  openrouter: { dialect: 'openai', baseUrl: 'https://openrouter.ai/api/v1', keyRequired: true },
  cerebras: { dialect: 'openai', baseUrl: 'https://api.cerebras.ai/v1', keyRequired: true },
  perplexity: { dialect: 'openai', baseUrl: 'https://api.perplexity.ai', keyRequired: true },
  ollama: { dialect: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', keyRequired: false },
  anthropic: { dialect: 'anthropic', baseUrl: 'https://api.anthropic.com', keyRequired: true },
  gemini: { dialect: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', keyRequired: true },
  bedrock: { dialect: 'bedrock', keyRequired: false },
} as const satisfies Record<string, ProviderKind>;

export type ProviderKindName = keyof typeof PROVIDER_KINDS;
export const PROVIDER_KIND_NAMES = Object.keys(PROVIDER_KINDS) as ProviderKindName[];

/**
 * Public Statuspage summaries (`…/api/v2/summary.json`) and the components that concern the APIs
 * the proxy calls, per kind. A provider opts in with `statusPage: {}` (the preset) or names its own
 * `url` and `components`. Anthropic's page moved to status.claude.com (status.anthropic.com redirects).
 */
export const STATUS_PAGE_PRESETS: Partial<Record<ProviderKindName, { url: string; components: readonly string[] }>> = {
  openai: { url: 'https://status.openai.com/api/v2/summary.json', components: ['Chat Completions', 'Responses'] },
  anthropic: { url: 'https://status.claude.com/api/v2/summary.json', components: ['Claude API (api.anthropic.com)'] },
};
