import { describe, expect, it } from 'vitest';
import { classifySendError } from '../../../functions/dialects/bedrock/errors.ts';

const live = new AbortController().signal;

function sdkError(name: string, status: number | undefined, message = 'm') {
  return Object.assign(new Error(message), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
}

describe('classifySendError', () => {
  it('classifies by exception name', () => {
    const cases: [string, number, string][] = [
      ['ThrottlingException', 429, 'rate-limit'],
      ['ServiceQuotaExceededException', 400, 'rate-limit'],
      ['ModelNotReadyException', 429, 'rate-limit'],
      ['ServiceUnavailableException', 503, 'server'],
      ['InternalServerException', 500, 'server'],
      ['ModelTimeoutException', 408, 'server'],
      ['ModelErrorException', 424, 'server'],
      ['AccessDeniedException', 403, 'auth'],
      ['UnrecognizedClientException', 403, 'auth'],
      ['ResourceNotFoundException', 404, 'invalid-request'],
      ['ValidationException', 400, 'invalid-request'],
    ];
    for (const [name, status, kind] of cases) expect(classifySendError(sdkError(name, status), live)).toEqual({ kind, status, message: 'm', providerCode: name });
  });

  it('reads context-length from a ValidationException message', () => {
    for (const message of ['Input is too long for requested model.', 'too many tokens in prompt', 'prompt exceeds the context window']) {
      expect(classifySendError(sdkError('ValidationException', 400, message), live).kind).toBe('context-length');
    }
  });

  it('falls back to the HTTP status for unknown exception names', () => {
    expect(classifySendError(sdkError('WeirdException', 502), live)).toMatchObject({ kind: 'server', status: 502 });
    expect(classifySendError(sdkError('WeirdException', 429), live)).toMatchObject({ kind: 'rate-limit' });
    expect(classifySendError(sdkError('WeirdException', 400), live)).toMatchObject({ kind: 'invalid-request' });
  });

  it('treats an error without an HTTP status as a connection failure, and missing credentials as auth', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: {} });
    expect(classifySendError(refused, live)).toEqual({ kind: 'connect', message: 'connection failed (ECONNREFUSED)', providerCode: 'ECONNREFUSED' });
    expect(classifySendError(sdkError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'), live).kind).toBe('auth');
  });

  it('returns a failure when the signal was aborted', () => {
    const controller = new AbortController();
    controller.abort();
    expect(classifySendError(new Error('aborted'), controller.signal)).toMatchObject({ kind: 'connect' });
  });

  it('reads a retry hint from the raw response headers when present', () => {
    const error = Object.assign(sdkError('ThrottlingException', 429), { $response: { headers: { 'retry-after': '3' } } });
    expect(classifySendError(error, live).retryAfterMs).toBe(3000);
  });
});
