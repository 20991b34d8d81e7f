import type { ClientError } from '../ir/client-error.ts';
import type { Failure } from '../ir/failure.ts';

/**
 * The error a caller gets when no attempt served. The caller's own mistakes keep the provider's
 * status and reason; provider trouble becomes 503/504/429 with a hint, never 409 (client SDKs
 * would retry it) and never a bare 500.
 */
export function finalError(failure: Failure | undefined, context: { alias: string; summary: string; retryAfterSec?: number }): ClientError {
  const tried = context.summary ? ` (${context.summary})` : '';
  if (!failure) {
    return {
      status: 503,
      type: 'overloaded',
      message: `every target of "${context.alias}" is unavailable right now${tried}`,
      retryAfterSec: context.retryAfterSec ?? 1,
    };
  }
  const reason = failure.message;
  switch (failure.kind) {
    case 'invalid-request':
    case 'context-length':
    case 'content-policy':
    case 'unsupported': {
      let status = failure.kind === 'unsupported' ? 400 : (failure.status ?? 400);
      if (status === 409 || status < 400 || status >= 500) status = 400;
      const code =
        failure.kind === 'context-length'
          ? 'context_length_exceeded'
          : failure.kind === 'content-policy'
            ? (failure.providerCode ?? 'content_policy_violation')
            : failure.providerCode;
      return {
        status,
        type: status === 404 ? 'not_found' : status === 413 ? 'request_too_large' : 'invalid_request',
        message: reason,
        ...(code ? { code } : {}),
        ...(failure.param ? { param: failure.param } : {}),
      };
    }
    case 'rate-limit':
      return {
        status: 429,
        type: 'rate_limit',
        message: `rate limited on every target of "${context.alias}"${tried}: ${reason}`,
        retryAfterSec: Math.max(1, Math.ceil((failure.retryAfterMs ?? 1000) / 1000)),
      };
    case 'header-timeout':
    case 'first-token-timeout':
    case 'idle-timeout':
      return { status: 504, type: 'timeout', message: `no target of "${context.alias}" answered in time${tried}: ${reason}` };
    case 'auth':
    case 'quota':
      return { status: 502, type: 'api_error', message: `the providers of "${context.alias}" rejected the proxy's credentials or quota${tried}: ${reason}` };
    default:
      return {
        status: 503,
        type: 'overloaded',
        message: `every target of "${context.alias}" failed${tried}: ${reason}`,
        retryAfterSec: context.retryAfterSec ?? 1,
      };
  }
}

/** The in-band error sent after the commit point. */
export function midStreamError(failure: Failure): ClientError {
  const type = failure.kind === 'rate-limit' ? 'rate_limit' : failure.kind.endsWith('timeout') ? 'timeout' : 'api_error';
  return { status: 502, type, message: `the upstream stream failed after it began: ${failure.message}` };
}
