import type { ProviderIO } from '../../ir/dialect.ts';
import type { Failure } from '../../ir/failure.ts';
import { thrownFailure } from './http-failure.ts';

export type JsonResult = { ok: true; json: unknown } | { ok: false; failure: Failure };

/**
 * One unary JSON call (count_tokens, embeddings) as a value: the parsed 2xx body, or a failure —
 * a thrown call is a connection failure, a non-2xx status is classified by the dialect, a 2xx
 * body that is not JSON is a server fault (it fails over).
 */
export async function postJson(
  io: ProviderIO,
  request: { url: string; headers: Record<string, string>; body: unknown },
  provider: string,
  classify: (response: Response) => Promise<Failure>,
): Promise<JsonResult> {
  let response: Response;
  try {
    response = await io.fetch(request.url, { method: 'POST', headers: request.headers, body: JSON.stringify(request.body), redirect: 'error', signal: io.signal });
  } catch (error) {
    return { ok: false, failure: thrownFailure(error, io.signal, provider) };
  }
  if (!response.ok) return { ok: false, failure: await classify(response) };
  try {
    return { ok: true, json: JSON.parse(await response.text()) as unknown };
  } catch (error) {
    if (io.signal.aborted) return { ok: false, failure: thrownFailure(error, io.signal, provider) };
    return { ok: false, failure: { kind: 'server', status: response.status, message: `${provider} answered with a body that is not JSON` } };
  }
}
