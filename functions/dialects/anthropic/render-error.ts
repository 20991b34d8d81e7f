import type { ClientError, ClientErrorType } from '../../ir/client-error.ts';

/** The Anthropic `error.type` for each proxy error type, as Anthropic's own API spells them. */
const TYPES: Record<ClientErrorType, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  // Anthropic has no type of its own for a wrong method.
  method_not_allowed: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  // "Every target is down" (503) reads as Anthropic's overload, whatever the status.
  overloaded: 'overloaded_error',
  // Anthropic's gateway timeout type (504), which its SDK knows.
  timeout: 'timeout_error',
  api_error: 'api_error',
};

/** The `{type, message}` error object; a 529 is always `overloaded_error`, as Anthropic sends it. */
export function anthropicErrorObject(error: ClientError): { type: string; message: string } {
  const type = error.status === 529 ? 'overloaded_error' : (TYPES[error.type] ?? 'api_error');
  return { type, message: error.message };
}

/** A proxy error as an Anthropic error response: `{type:'error', error:{type, message}}`. */
export function renderAnthropicError(error: ClientError): { status: number; body: string } {
  return { status: error.status, body: JSON.stringify({ type: 'error', error: anthropicErrorObject(error) }) };
}
