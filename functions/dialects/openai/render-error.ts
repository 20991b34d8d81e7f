import type { ClientError, ClientErrorType } from '../../ir/client-error.ts';

/** The OpenAI `error.type` for each proxy error type, as OpenAI's own API spells them. */
const TYPES: Record<ClientErrorType, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  // OpenAI reports an unknown model as an invalid request with code `model_not_found`.
  not_found: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  method_not_allowed: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  overloaded: 'server_error',
  timeout: 'server_error',
  api_error: 'api_error',
};

/** Codes OpenAI attaches when the proxy's error has none of its own. */
const DEFAULT_CODES: Partial<Record<ClientErrorType, string>> = {
  rate_limit: 'rate_limit_exceeded',
  timeout: 'timeout',
};

/** The `{error:{message,type,param,code}}` object; `param` and `code` are null when absent. */
export function openAiErrorObject(error: ClientError): { message: string; type: string; param: string | null; code: string | null } {
  return {
    message: error.message,
    type: TYPES[error.type] ?? 'api_error',
    param: error.param ?? null,
    code: error.code ?? DEFAULT_CODES[error.type] ?? null,
  };
}

/** A proxy error as an OpenAI error response. */
export function renderOpenAiError(error: ClientError): { status: number; body: string } {
  return { status: error.status, body: JSON.stringify({ error: openAiErrorObject(error) }) };
}
