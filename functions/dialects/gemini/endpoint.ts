import type { TargetCall } from '../../ir/dialect.ts';

/** Google's public endpoint, used when the provider sets no baseUrl. */
export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

export function baseUrl(target: TargetCall): string {
  return (target.provider.baseUrl ?? GEMINI_BASE_URL).replace(/\/+$/, '');
}

export function headers(target: TargetCall, json: boolean): Record<string, string> {
  return {
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...target.provider.headers,
    ...(target.provider.apiKey ? { 'x-goog-api-key': target.provider.apiKey } : {}),
  };
}
