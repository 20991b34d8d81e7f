import type { Failure, FailureKind } from '../../ir/failure.ts';
import { connectFailure } from '../shared/http-failure.ts';
import { retryAfterMs } from '../shared/retry-after.ts';

/** Bedrock exception name → failure kind. Names are matched without regard to the first letter's case. */
const KIND_BY_EXCEPTION: Record<string, FailureKind> = {
  ThrottlingException: 'rate-limit',
  // HTTP 400, but AWS documents it as "resubmit your request later": a rate limit behind a 400.
  ServiceQuotaExceededException: 'rate-limit',
  ModelNotReadyException: 'rate-limit',
  ServiceUnavailableException: 'server',
  InternalServerException: 'server',
  ModelTimeoutException: 'server',
  ModelErrorException: 'server',
  ModelStreamErrorException: 'server',
  AccessDeniedException: 'auth',
  UnrecognizedClientException: 'auth',
  // The SDK's default credential chain found nothing usable: our credentials are broken here.
  CredentialsProviderError: 'auth',
  ExpiredTokenException: 'auth',
  ResourceNotFoundException: 'invalid-request',
};

const TOO_LONG = /too long|too many tokens|context/i;

/** The shape of what the AWS SDK throws (a ServiceException, or a plain Error for socket failures). */
interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** Classifies a Bedrock exception by name (`ThrottlingException` or the stream's `throttlingException`). */
export function classifyException(name: string, message: string, status?: number): Failure | undefined {
  const canonical = name.charAt(0).toUpperCase() + name.slice(1);
  let kind = KIND_BY_EXCEPTION[canonical];
  if (canonical === 'ValidationException') kind = TOO_LONG.test(message) ? 'context-length' : 'invalid-request';
  if (!kind) return undefined;
  const failure: Failure = { kind, message: message || canonical, providerCode: canonical };
  if (status !== undefined) failure.status = status;
  return failure;
}

/**
 * Turns what `client.send()` threw into a failure value: by exception name first, then by HTTP
 * status; an error without any HTTP status never reached Bedrock (socket, DNS, TLS) → `connect`.
 */
export function classifySendError(error: unknown, signal: AbortSignal): Failure {
  if (signal.aborted) {
    // The attempt loop aborted us (a watchdog or the client left) and labels the failure itself.
    return { kind: 'connect', message: 'request aborted before Bedrock answered' };
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? String(error);
  const failure = classifyException(e.name ?? '', message, status);
  const classified = failure ?? (status !== undefined ? byStatus(status, e.name, message) : undefined);
  if (!classified) return connectFailure(error);
  const wait = retryHint(e);
  if (wait !== undefined) classified.retryAfterMs = wait;
  return classified;
}

function byStatus(status: number, name: string | undefined, message: string): Failure {
  let kind: FailureKind;
  if (status === 429) kind = 'rate-limit';
  else if (status === 401 || status === 403) kind = 'auth';
  else if (status === 408 || status >= 500) kind = 'server';
  else if (TOO_LONG.test(message)) kind = 'context-length';
  else kind = 'invalid-request';
  return { kind, status, message: message || `Bedrock answered ${status}`, ...(name ? { providerCode: name } : {}) };
}

function retryHint(e: SdkError): number | undefined {
  const raw = e.$response?.headers;
  if (!raw) return undefined;
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) if (typeof value === 'string') headers.set(key, value);
  return retryAfterMs(headers);
}
