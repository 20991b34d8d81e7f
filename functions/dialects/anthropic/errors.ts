import { NO_HEADERS, type HeaderReader, type UpstreamResponse } from '../../ir/upstream.ts';
import type { Failure, FailureKind } from '../../ir/failure.ts';
import { classifyHttpFailure } from '../shared/http-failure.ts';
import { readErrorBody } from '../shared/error-body.ts';

/** Error bodies are read up to this size: enough for any JSON error, bounded against a runaway body. */

/** Messages of an exhausted account rather than a transient limit (Anthropic sends them as 400 or 429). */
const ACCOUNT_EXHAUSTED = /credit balance|billing|spend limit|usage limit|insufficient (funds|credit)/i;
const CONTEXT_LENGTH = /prompt is too long|context window|too many tokens|input length and `max_tokens` exceed/i;

/** `{type:'error', error:{type, message}}`, the shape of every Anthropic error. */
export interface AnthropicErrorObject {
  type?: string;
  message?: string;
}

/** Error types that name the kind whatever the HTTP status says. */
const KIND_BY_TYPE: Record<string, FailureKind> = {
  overloaded_error: 'server',
  api_error: 'server',
  timeout_error: 'server',
  authentication_error: 'auth',
  permission_error: 'auth',
  billing_error: 'quota',
  rate_limit_error: 'rate-limit',
};

/**
 * Classifies an Anthropic error. The shared status rules first (retry-after included), then
 * Anthropic's own words: the `error.type` names the kind (a 529 `overloaded_error` is a server
 * failure; `authentication_error`/`permission_error` are auth; `billing_error` and "credit balance
 * is too low" — which arrives as a 400 — are quota), and "prompt is too long" is a context-length
 * failure.
 */
export function classifyAnthropicError(status: number, headers: HeaderReader, error: AnthropicErrorObject = {}): Failure {
  const failure = classifyHttpFailure(status, headers, {
    ...(error.message ? { message: error.message } : {}),
    ...(error.type ? { type: error.type } : {}),
  });
  const message = error.message ?? '';
  const byType = error.type ? KIND_BY_TYPE[error.type] : undefined;
  if (ACCOUNT_EXHAUSTED.test(message) && failure.kind !== 'auth') failure.kind = 'quota';
  else if (byType) failure.kind = byType;
  else if (status < 500 && status !== 429 && CONTEXT_LENGTH.test(message)) failure.kind = 'context-length';
  return failure;
}

/**
 * An `event: error` inside a 200 stream (typically `overloaded_error`). There is no HTTP status:
 * the error type decides, and an unknown type counts as a server failure (the provider broke
 * mid-answer). `status` is left off the failure.
 */
export function streamFailure(error: AnthropicErrorObject = {}): Failure {
  const message = error.message || 'Anthropic reported an error mid-stream';
  const kinds: Record<string, number> = { invalid_request_error: 400, not_found_error: 404, request_too_large: 413 };
  const status = (error.type && kinds[error.type]) || 500;
  const failure = classifyAnthropicError(status, NO_HEADERS, { ...error, message });
  delete failure.status;
  return failure;
}

/** Reads (bounded) and classifies a non-2xx response. */
export async function failureFromResponse(response: UpstreamResponse): Promise<Failure> {
  const raw = await readErrorBody(response);
  let error: AnthropicErrorObject | undefined;
  try {
    const parsed = JSON.parse(raw) as { error?: unknown };
    if (typeof parsed?.error === 'object' && parsed.error !== null) {
      const e = parsed.error as Record<string, unknown>;
      error = {
        ...(typeof e.type === 'string' ? { type: e.type } : {}),
        ...(typeof e.message === 'string' ? { message: e.message } : {}),
      };
    }
  } catch {
    // Not JSON (a gateway's HTML page): a short excerpt is the message.
  }
  if (!error && raw.trim()) error = { message: raw.trim().slice(0, 500) };
  return classifyAnthropicError(response.status, response.headers, error);
}
