import { Readable } from 'node:stream';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { bufferedRequest, isStreamedBody, type ProxyRequest, type ProxyResponse } from '../core/exchange.ts';

/**
 * A function URL event (payload 2.0) as the core's ProxyRequest: method, raw path, query, headers
 * (lower-case, multi-values comma-joined by Lambda), cookies, base64 bodies.
 */
export function toProxyRequest(event: LambdaFunctionURLEvent): ProxyRequest {
  const raw = event.headers ?? {};
  const cookie = event.cookies?.length ? event.cookies.join('; ') : undefined;
  const method = event.requestContext?.http?.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' && event.body !== undefined && event.body !== null;
  return bufferedRequest({
    method,
    path: event.rawPath || '/',
    query: event.rawQueryString ?? '',
    headers: {
      get: (name) => (name === 'cookie' && cookie !== undefined ? cookie : (raw[name] ?? null)),
    },
    ...(hasBody ? { body: event.isBase64Encoded ? Buffer.from(event.body!, 'base64') : event.body! } : {}),
  });
}

/**
 * Response headers as the function URL prelude wants them. Content-Length and Content-Encoding are
 * never sent: the streamed body is chunked, and the URL would rename or undo them.
 */
export function preludeHeaders(response: ProxyResponse): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (name === 'content-length' || name === 'content-encoding' || name === 'transfer-encoding' || name === 'connection') continue;
    headers[name] = value;
  }
  return headers;
}

/**
 * The body as middy's streaming mode takes it: a string, or a Readable over the core's chunks
 * (pulled with back-pressure by the pipeline into the response stream; destroying it stops the
 * producer). Never empty: the runtime only sends the prelude on the first write.
 */
export function lambdaBody(response: ProxyResponse): string | Readable {
  const body = response.body;
  if (isStreamedBody(body)) return Readable.from(body, { objectMode: false });
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return text === '' ? ' ' : text;
}
