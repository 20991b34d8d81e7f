import type { HeaderReader } from '../../ir/upstream.ts';
import type { Failure, FailureKind } from '../../ir/failure.ts';
import { retryAfterMs } from './retry-after.ts';

const CONTEXT_LENGTH = /context[_ ]length|context window|too many tokens|prompt is too long|input is too long|maximum context|token limit|exceeds the (maximum|max)/i;
const CONTENT_POLICY = /content[_ ]policy|content[_ ]filter|safety|responsible ?ai|flagged/i;

/**
 * The default classification of an HTTP error by status, code and message. A dialect calls it
 * after reading its own error body, and overrides where its provider says more.
 */
export function classifyHttpFailure(
  status: number,
  headers: HeaderReader,
  details: { message?: string; code?: string; type?: string; param?: string },
): Failure {
  const message = details.message || `upstream answered ${status}`;
  const code = details.code || details.type;
  const text = `${code ?? ''} ${message}`;
  let kind: FailureKind;
  if (status === 429) {
    kind = /insufficient_quota|billing|credit|spend|quota exceeded|exceeded your current quota/i.test(text) ? 'quota' : 'rate-limit';
  } else if (status === 402) kind = 'quota';
  else if (status === 401 || status === 403) kind = 'auth';
  else if (status === 408 || status >= 500) kind = 'server';
  else if (CONTEXT_LENGTH.test(text)) kind = 'context-length';
  else if (CONTENT_POLICY.test(text)) kind = 'content-policy';
  else kind = 'invalid-request';
  const failure: Failure = { kind, status, message };
  if (code) failure.providerCode = code;
  if (details.param) failure.param = details.param;
  const wait = retryAfterMs(headers);
  if (wait !== undefined) failure.retryAfterMs = wait;
  return failure;
}

/** Turns a thrown fetch/socket error into a connection failure value. */
export function connectFailure(error: unknown): Failure {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  return { kind: 'connect', message: `connection failed${code ? ` (${code})` : ''}`, ...(code ? { providerCode: code } : {}) };
}

/**
 * A thrown provider call as a failure value. After an abort the attempt loop labels the failure
 * itself (a watchdog fired, or the client left), so the cause here is only a placeholder.
 */
export function thrownFailure(error: unknown, signal: AbortSignal, provider: string): Failure {
  return signal.aborted ? { kind: 'connect', message: `request aborted before ${provider} answered` } : connectFailure(error);
}
