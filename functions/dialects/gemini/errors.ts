import type { HeaderReader, UpstreamResponse } from '../../ir/upstream.ts';
import type { Failure, FailureKind } from '../../ir/failure.ts';
import { classifyHttpFailure } from '../shared/http-failure.ts';
import { retryAfterMs } from '../shared/retry-after.ts';
import type { GeminiErrorBody } from './wire-types.ts';
import { readErrorBody } from '../shared/error-body.ts';

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const QUOTA_FAILURE = 'type.googleapis.com/google.rpc.QuotaFailure';
const API_KEY_INVALID = /API_KEY_INVALID|API key not valid|API key expired/i;
const CONTEXT_LENGTH = /token count|tokens allowed|maximum number of tokens|too long|context/i;
/**
 * Messages of an exhausted account rather than a transient limit. Note that Gemini's ordinary
 * per-minute 429 says "check your plan and billing details", so "billing" alone proves nothing.
 */
const ACCOUNT_EXHAUSTED = /prepayment|credits? (are |is )?depleted|spending cap|spend limit|enable billing/i;

/**
 * Classifies a Gemini error (`{error:{code, message, status, details}}`), from an HTTP error body or
 * an `error` object inside the stream. Gemini names its own kinds in `status` and says more in
 * `details`: an invalid key is a 400 INVALID_ARGUMENT with reason API_KEY_INVALID (→ auth); the
 * retry delay of a 429 is a RetryInfo detail (`"12s"`), not a header; a daily quota (a QuotaFailure
 * on a `…PerDay…` quota) or an exhausted account is `quota`, any other 429 a transient rate limit.
 * FAILED_PRECONDITION means the project cannot use the API here (billing, region): `quota`.
 */
export function classifyGeminiError(status: number, headers: HeaderReader, error: GeminiErrorBody | undefined, rawText = ''): Failure {
  const code = error?.status;
  const message = error?.message || rawText.slice(0, 500) || `Gemini answered ${status}`;
  const details = Array.isArray(error?.details) ? error.details : [];
  const keyInvalid = details.some((d) => d?.reason === 'API_KEY_INVALID') || API_KEY_INVALID.test(message);

  let kind: FailureKind;
  if (keyInvalid || code === 'UNAUTHENTICATED' || code === 'PERMISSION_DENIED' || status === 401 || status === 403) kind = 'auth';
  else if (code === 'RESOURCE_EXHAUSTED' || status === 429) kind = dailyQuota(details) || ACCOUNT_EXHAUSTED.test(message) ? 'quota' : 'rate-limit';
  else if (code === 'FAILED_PRECONDITION') kind = 'quota';
  else if (code === 'UNAVAILABLE' || code === 'INTERNAL' || code === 'DEADLINE_EXCEEDED' || status >= 500) kind = 'server';
  else if ((code === 'INVALID_ARGUMENT' || status === 400) && CONTEXT_LENGTH.test(message)) kind = 'context-length';
  else if (code === 'INVALID_ARGUMENT' || code === 'NOT_FOUND') kind = 'invalid-request';
  else return classifyHttpFailure(status, headers, { message, ...(code ? { code } : {}) });

  const failure: Failure = { kind, message };
  if (status > 0) failure.status = status;
  const providerCode = keyInvalid ? 'API_KEY_INVALID' : code;
  if (providerCode) failure.providerCode = providerCode;
  const wait = retryDelayMs(details) ?? retryAfterMs(headers);
  if (wait !== undefined) failure.retryAfterMs = wait;
  return failure;
}

/** RetryInfo's `retryDelay` (a protobuf Duration in JSON: `"34.4s"`) in ms. */
export function retryDelayMs(details: GeminiErrorBody['details'] & object): number | undefined {
  for (const detail of details) {
    if (detail?.['@type'] !== RETRY_INFO || typeof detail.retryDelay !== 'string') continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay.trim());
    if (match) return Math.ceil(Number(match[1]) * 1000);
  }
  return undefined;
}

function dailyQuota(details: NonNullable<GeminiErrorBody['details']>): boolean {
  return details.some((d) => d?.['@type'] === QUOTA_FAILURE && (d.violations ?? []).some((v) => /PerDay/i.test(v?.quotaId ?? '')));
}

/** Reads and classifies an HTTP error response. */
export async function failureFromResponse(response: UpstreamResponse): Promise<Failure> {
  const text = await readErrorBody(response);
  let error: GeminiErrorBody | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: GeminiErrorBody } | { error?: GeminiErrorBody }[];
    // Some Google front ends wrap the error in a one-element array.
    error = (Array.isArray(parsed) ? parsed[0] : parsed)?.error;
  } catch {
    // Not JSON (a proxy's HTML page): the raw text is the message.
  }
  return classifyGeminiError(response.status, response.headers, error, error ? '' : text);
}
