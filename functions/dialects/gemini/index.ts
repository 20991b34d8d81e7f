import type { OpenResult, ProbeResult, ProviderDialect } from '../../ir/dialect.ts';
import { thrownFailure } from '../shared/http-failure.ts';
import { buildGeminiRequest } from './build-request.ts';
import { baseUrl, headers } from './endpoint.ts';
import { embedGemini } from './embeddings.ts';
import { failureFromResponse } from './errors.ts';
import { parseGeminiStream } from './parse-stream.ts';

/** Google Gemini through the Generative Language API (`streamGenerateContent?alt=sse`). */
export const geminiProvider: ProviderDialect = {
  dialect: 'gemini',

  async open(request, target, io): Promise<OpenResult> {
    const built = buildGeminiRequest(request);
    if (!built.ok) return built;
    const model = target.model.replace(/^models\//, '');
    const url = `${baseUrl(target)}/v1beta/models/${encodeURIComponent(model)}:streamGenerateContent?alt=sse`;
    let response: Response;
    try {
      response = await io.fetch(url, { method: 'POST', headers: headers(target, true), body: JSON.stringify(built.body), redirect: 'error', signal: io.signal });
    } catch (error) {
      return { ok: false, failure: thrownFailure(error, io.signal, 'Gemini') };
    }
    if (!response.ok) return { ok: false, failure: await failureFromResponse(response) };
    const body = response.body;
    if (!body) return { ok: false, failure: { kind: 'server', status: response.status, message: 'Gemini answered without a body' } };
    // Web streams are async-iterable in Node (the DOM typings do not say so).
    return { ok: true, events: parseGeminiStream(body as unknown as AsyncIterable<Uint8Array>) };
  },

  /** Lists one model: checks the key and the API front end (not model capacity). */
  async probe(target, io): Promise<ProbeResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const response = await io.fetch(`${baseUrl(target)}/v1beta/models?pageSize=1`, { method: 'GET', headers: headers(target, false), redirect: 'error', signal: io.signal });
      if (!response.ok) return { ok: false, failure: await failureFromResponse(response), latencyMs: latency() };
      await response.arrayBuffer();
      return { ok: true, latencyMs: latency() };
    } catch (error) {
      return { ok: false, failure: thrownFailure(error, io.signal, 'Gemini'), latencyMs: latency() };
    }
  },

  embed: embedGemini,
};
