import type { TargetCall } from '../../ir/dialect.ts';

/** Anthropic's public endpoint (the host root), used when the provider sets no baseUrl. */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
/** The `anthropic-version` sent when the provider configures none (the only current version). */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * The host root (the Anthropic SDK's convention), without a trailing slash. A configured `…/v1`
 * (the OpenAI SDK's convention, an easy slip) is tolerated: the paths below add `/v1` themselves.
 */
export function baseUrl(target: TargetCall): string {
  return (target.provider.baseUrl ?? ANTHROPIC_BASE_URL).replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** Forwarded client headers (e.g. `anthropic-beta`), config headers, then auth and version. */
export function headers(target: TargetCall, json: boolean): Record<string, string> {
  return {
    ...target.forwardHeaders,
    ...target.provider.headers,
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(target.provider.apiKey ? { 'x-api-key': target.provider.apiKey } : {}),
    'anthropic-version': target.provider.apiVersion ?? ANTHROPIC_VERSION,
  };
}
