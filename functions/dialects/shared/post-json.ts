import type { ProviderIO } from '../../ir/dialect.ts';
import type { Failure } from '../../ir/failure.ts';
import type { UpstreamResponse } from '../../ir/upstream.ts';
import { callProvider } from './call-provider.ts';
import { thrownFailure } from './http-failure.ts';

export type JsonResult = { ok: true; json: unknown } | { ok: false; failure: Failure };

/** A unary answer (a count, a batch of vectors) larger than this is a provider fault, not held. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

/**
 * One unary JSON call (count_tokens, embeddings) as a value: the parsed 2xx body, or a failure —
 * a thrown call is a connection failure, a non-2xx status is classified by the dialect, a 2xx
 * body that is not JSON (or too large) is a server fault (it fails over).
 */
export async function postJson(
  io: ProviderIO,
  request: { url: string; headers: Record<string, string>; body: unknown },
  provider: string,
  classify: (response: UpstreamResponse) => Promise<Failure>,
): Promise<JsonResult> {
  const called = await callProvider(io, { method: 'POST', url: request.url, headers: request.headers, body: JSON.stringify(request.body) }, provider, classify);
  if (!called.ok) return called;
  const { response } = called;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > MAX_JSON_BYTES) return { ok: false, failure: { kind: 'server', status: response.status, message: `${provider} answered with more than ${MAX_JSON_BYTES} bytes` } };
      chunks.push(chunk);
    }
  } catch (error) {
    return { ok: false, failure: thrownFailure(error, io.signal, provider) };
  } finally {
    response.release();
  }
  try {
    return { ok: true, json: JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown };
  } catch {
    return { ok: false, failure: { kind: 'server', status: response.status, message: `${provider} answered with a body that is not JSON` } };
  }
}
