import { NO_HEADERS, type HeaderReader, type UpstreamResponse } from '../../ir/upstream.ts';
import type { Failure } from '../../ir/failure.ts';
import { classifyHttpFailure } from '../shared/http-failure.ts';
import type { OpenAiErrorBody, OpenAiErrorObject } from './wire-types.ts';
import { readErrorBody } from '../shared/error-body.ts';

/** Error bodies are read up to this size: enough for any JSON error, bounded against a runaway body. */

const CONTEXT_LENGTH = /context_length_exceeded|maximum context length|context window|too many tokens|prompt is too long/i;
const CONTENT_POLICY = /content_policy_violation|content_filter|ResponsibleAIPolicyViolation|safety system/i;

export interface ErrorDetails {
  message?: string;
  type?: string;
  code?: string;
  param?: string;
  /** A numeric `code` (OpenRouter puts the HTTP status there). */
  status?: number;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (typeof value === 'number') return String(value);
  // Mistral/FastAPI validation errors carry an object or array as the message.
  if (value !== undefined && value !== null) return JSON.stringify(value);
  return undefined;
}

/**
 * Reads the error details of any OpenAI-compatible error body: `{error:{message,type,code,param}}`
 * (OpenAI, Azure, Groq), `{error:{code:<int>,message}}` (OpenRouter), `{error:"…"}` (Ollama), or a
 * top-level `{object:'error', message, type, code}` / `{message, type, code}` (Mistral, vLLM).
 */
export function errorDetails(body: OpenAiErrorBody | undefined): ErrorDetails | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  let source: OpenAiErrorObject;
  if (typeof body.error === 'string') source = { message: body.error };
  else if (typeof body.error === 'object' && body.error !== null) source = body.error;
  else if (body.object === 'error' || body.message !== undefined) source = body;
  else if (body.detail !== undefined) source = { message: body.detail };
  else return undefined;
  const details: ErrorDetails = {};
  const message = text(source.message);
  if (message) details.message = message;
  if (typeof source.type === 'string' && source.type) details.type = source.type;
  if (typeof source.code === 'number') details.status = source.code;
  else if (typeof source.code === 'string' && source.code) details.code = source.code;
  if (typeof source.param === 'string' && source.param) details.param = source.param;
  return details;
}

/**
 * Classifies an OpenAI-style error. On top of the shared status rules: `insufficient_quota` is an
 * exhausted account whatever the status (OpenAI sends it as a 429, not a transient limit);
 * `context_length_exceeded` and content-filter codes are recognised by code before message.
 */
export function classifyOpenAiError(status: number, headers: HeaderReader, details: ErrorDetails = {}): Failure {
  const failure = classifyHttpFailure(status, headers, {
    ...(details.message ? { message: details.message } : {}),
    ...(details.code ? { code: details.code } : {}),
    ...(details.type ? { type: details.type } : {}),
    ...(details.param ? { param: details.param } : {}),
  });
  const code = `${details.code ?? ''} ${details.type ?? ''}`;
  if (/insufficient_quota/.test(code)) failure.kind = 'quota';
  else if (status < 500 && status !== 429 && status !== 401 && status !== 403) {
    if (CONTEXT_LENGTH.test(code) || (status === 400 && CONTEXT_LENGTH.test(details.message ?? ''))) failure.kind = 'context-length';
    else if (CONTENT_POLICY.test(code)) failure.kind = 'content-policy';
  }
  return failure;
}

/** Reads (bounded) and classifies a non-2xx response. */
export async function failureFromResponse(response: UpstreamResponse): Promise<Failure> {
  const raw = await readErrorBody(response);
  let details: ErrorDetails | undefined;
  try {
    details = errorDetails(JSON.parse(raw) as OpenAiErrorBody);
  } catch {
    // Not JSON (a gateway's HTML page): a short excerpt is the message.
  }
  if (!details && raw.trim()) details = { message: raw.trim().slice(0, 500) };
  return classifyOpenAiError(response.status, response.headers, details);
}

/**
 * An error inside a 200 stream (`data: {"error":…}`). There is no HTTP status: OpenRouter's numeric
 * code stands in for one, else the error type decides, and an unknown error counts as a server
 * failure (the provider broke mid-answer). `status` is left off the failure: the response was a 200.
 */
export function streamFailure(details: ErrorDetails = {}): Failure {
  const type = `${details.type ?? ''} ${details.code ?? ''}`;
  let status = details.status !== undefined && details.status >= 400 && details.status < 600 ? details.status : 500;
  if (details.status === undefined) {
    if (/rate_limit/.test(type)) status = 429;
    else if (/insufficient_quota/.test(type)) status = 429;
    else if (/invalid_request|context_length|content_filter|content_policy/.test(type)) status = 400;
    else if (/authentication|invalid_api_key/.test(type)) status = 401;
  }
  const failure = classifyOpenAiError(status, NO_HEADERS, { message: details.message ?? 'the provider reported an error mid-stream', ...details });
  delete failure.status;
  return failure;
}
