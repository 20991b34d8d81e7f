import type { Failure } from '../../ir/failure.ts';
import type { ProviderIO } from '../../ir/dialect.ts';
import type { UpstreamRequest, UpstreamResponse } from '../../ir/upstream.ts';
import { readBodyText } from './error-body.ts';
import { thrownFailure } from './http-failure.ts';

export type CallResult = { ok: true; response: UpstreamResponse } | { ok: false; failure: Failure };

/**
 * One upstream call as a value: the 2xx response, or a failure — a thrown call becomes a
 * connection failure, a non-2xx status is read (bounded) and classified by the dialect.
 */
export async function callProvider(
  io: ProviderIO,
  request: Omit<UpstreamRequest, 'signal'>,
  provider: string,
  classify: (response: UpstreamResponse) => Promise<Failure>,
): Promise<CallResult> {
  let response: UpstreamResponse;
  try {
    response = await io.upstream({ ...request, signal: io.signal });
  } catch (error) {
    return { ok: false, failure: thrownFailure(error, io.signal, provider) };
  }
  if (response.status < 200 || response.status >= 300) return { ok: false, failure: await classify(response) };
  return { ok: true, response };
}

/** A liveness probe's body: read (bounded) so the latency covers the whole answer, then released. */
const MAX_PROBE_BYTES = 256 * 1024;

/** The probe pattern every HTTP dialect shares: one call, its latency, its failure as a value. */
export async function probeCall(
  io: ProviderIO,
  request: Omit<UpstreamRequest, 'signal'>,
  provider: string,
  classify: (response: UpstreamResponse) => Promise<Failure>,
): Promise<{ ok: true; latencyMs: number } | { ok: false; failure: Failure; latencyMs: number }> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const called = await callProvider(io, request, provider, classify);
  if (!called.ok) return { ok: false, failure: called.failure, latencyMs: latency() };
  await readBodyText(called.response, MAX_PROBE_BYTES);
  return { ok: true, latencyMs: latency() };
}
