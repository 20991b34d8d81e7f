import { describe, expect, it } from 'vitest';
import { classifyGeminiError } from '../../../functions/dialects/gemini/errors.ts';

const none = new Headers();

describe('classifyGeminiError', () => {
  it('maps Google statuses', () => {
    const cases: [number, string, string][] = [
      [503, 'UNAVAILABLE', 'server'],
      [500, 'INTERNAL', 'server'],
      [504, 'DEADLINE_EXCEEDED', 'server'],
      [401, 'UNAUTHENTICATED', 'auth'],
      [403, 'PERMISSION_DENIED', 'auth'],
      [404, 'NOT_FOUND', 'invalid-request'],
      [400, 'INVALID_ARGUMENT', 'invalid-request'],
      [400, 'FAILED_PRECONDITION', 'quota'],
    ];
    for (const [code, status, kind] of cases) {
      expect(classifyGeminiError(code, none, { code, status, message: 'm' })).toEqual({ kind, status: code, message: 'm', providerCode: status });
    }
  });

  it('reads context-length from an INVALID_ARGUMENT message', () => {
    const message = 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).';
    expect(classifyGeminiError(400, none, { code: 400, status: 'INVALID_ARGUMENT', message }).kind).toBe('context-length');
  });

  it('tells an exhausted account or daily quota from a transient rate limit', () => {
    expect(classifyGeminiError(429, none, { status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted (e.g. check quota).' }).kind).toBe('rate-limit');
    expect(classifyGeminiError(429, none, { status: 'RESOURCE_EXHAUSTED', message: 'Your prepayment credits are depleted.' }).kind).toBe('quota');
    const daily = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] };
    expect(classifyGeminiError(429, none, { status: 'RESOURCE_EXHAUSTED', message: 'quota', details: [daily] }).kind).toBe('quota');
  });

  it('takes the retry delay from RetryInfo, else from the headers', () => {
    const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' };
    expect(classifyGeminiError(429, new Headers({ 'retry-after': '99' }), { status: 'RESOURCE_EXHAUSTED', message: 'm', details: [retryInfo] }).retryAfterMs).toBe(12000);
    expect(classifyGeminiError(429, new Headers({ 'retry-after': '7' }), { status: 'RESOURCE_EXHAUSTED', message: 'm' }).retryAfterMs).toBe(7000);
  });

  it('detects an invalid key from the message alone', () => {
    expect(classifyGeminiError(400, none, { status: 'INVALID_ARGUMENT', message: 'API key expired. Please renew the API key.' })).toMatchObject({ kind: 'auth', providerCode: 'API_KEY_INVALID' });
  });

  it('falls back to the shared HTTP classification without a Google body', () => {
    expect(classifyGeminiError(413, none, undefined, 'Request Entity Too Large')).toMatchObject({ kind: 'invalid-request', status: 413, message: 'Request Entity Too Large' });
  });
});
