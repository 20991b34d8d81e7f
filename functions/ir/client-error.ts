/**
 * An error the proxy returns to its caller, independent of dialect. Each ingress dialect renders
 * it in its own wire shape (OpenAI `{error:{message,type,param,code}}`, Anthropic
 * `{type:'error',error:{type,message}}`).
 */
export type ClientErrorType =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'request_too_large'
  | 'method_not_allowed'
  | 'rate_limit'
  | 'overloaded'
  | 'timeout'
  | 'api_error';

export interface ClientError {
  status: number;
  type: ClientErrorType;
  message: string;
  /** Machine-readable code, e.g. `model_not_found`, `context_length_exceeded`. */
  code?: string;
  param?: string;
  /** Seconds the caller should wait before trying again (503 when every target is down). */
  retryAfterSec?: number;
}

export function clientError(status: number, type: ClientErrorType, message: string, extra: Partial<ClientError> = {}): ClientError {
  return { status, type, message, ...extra };
}

export function isClientError(value: unknown): value is ClientError {
  return typeof value === 'object' && value !== null && 'status' in value && 'type' in value && 'message' in value && !('kind' in value);
}
