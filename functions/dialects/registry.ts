import type { IngressDialect, ProviderDialect } from '../ir/dialect.ts';
import type { DialectName } from '../ir/request.ts';
import { anthropicIngress, anthropicProvider } from './anthropic/index.ts';
import { bedrockProvider } from './bedrock/index.ts';
import { geminiProvider } from './gemini/index.ts';
import { openaiIngress, openaiProvider } from './openai/index.ts';
import { responsesIngress, responsesProvider } from './openai-responses/index.ts';

/** Every provider dialect by wire format: a provider kind names one of these (config/presets.ts). */
export const providerDialects: Record<DialectName, ProviderDialect> = {
  openai: openaiProvider,
  'openai-responses': responsesProvider,
  anthropic: anthropicProvider,
  bedrock: bedrockProvider,
  gemini: geminiProvider,
};

/** The client-facing APIs the proxy serves. */
export const ingressDialects: { openai: IngressDialect; anthropic: IngressDialect; responses: IngressDialect } = {
  openai: openaiIngress,
  anthropic: anthropicIngress,
  responses: responsesIngress,
};
