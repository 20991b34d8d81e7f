import type { OpenResult, ProbeResult, ProviderDialect } from '../../ir/dialect.ts';
import { callProvider, probeCall } from '../shared/call-provider.ts';
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
    const called = await callProvider(io, { method: 'POST', url, headers: headers(target, true), body: JSON.stringify(built.body) }, 'Gemini', failureFromResponse);
    if (!called.ok) return called;
    return { ok: true, events: parseGeminiStream(called.response.body) };
  },

  /** Lists one model: checks the key and the API front end (not model capacity). */
  probe(target, io): Promise<ProbeResult> {
    return probeCall(io, { method: 'GET', url: `${baseUrl(target)}/v1beta/models?pageSize=1`, headers: headers(target, false) }, 'Gemini', failureFromResponse);
  },

  embed: embedGemini,
};
