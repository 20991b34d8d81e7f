import type { LambdaFunctionURLEvent } from 'aws-lambda';

/**
 * A function URL event (payload 2.0) as a Web-standard Request: method, raw path, query, headers
 * (lower-case, multi-values comma-joined by Lambda), cookies, base64 bodies.
 */
export function toRequest(event: LambdaFunctionURLEvent, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  const host = headers.get('host') ?? event.requestContext?.domainName ?? 'lambda';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const method = event.requestContext?.http?.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' && event.body !== undefined && event.body !== null;
  const body = hasBody ? (event.isBase64Encoded ? Buffer.from(event.body!, 'base64') : event.body!) : undefined;
  return new Request(`https://${host}${event.rawPath || '/'}${query}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(signal ? { signal } : {}),
  });
}

/**
 * Response headers as the function URL prelude wants them. Content-Length and Content-Encoding are
 * never sent: the streamed body is chunked, and the URL would rename or undo them.
 */
export function preludeHeaders(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    if (name === 'content-length' || name === 'content-encoding' || name === 'transfer-encoding' || name === 'connection') continue;
    headers[name] = value;
  }
  return headers;
}
