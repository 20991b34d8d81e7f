import type { IngressDialect, OpenResult, ProbeResult, ProviderDialect } from '../../ir/dialect.ts';
import { thrownFailure } from '../shared/http-failure.ts';
import { buildAnthropicRequest } from './build-request.ts';
import { countAnthropicTokens } from './count-tokens.ts';
import { baseUrl, headers } from './endpoint.ts';
import { createAnthropicEncoder } from './encode-stream.ts';
import { failureFromResponse } from './errors.ts';
import { parseAnthropicRequest } from './parse-request.ts';
import { parseAnthropicStream } from './parse-stream.ts';
import { renderAnthropicAnswer } from './render-answer.ts';
import { renderAnthropicError } from './render-error.ts';

/** The Anthropic Messages API as served to clients (`POST /v1/messages`). */
export const anthropicIngress: IngressDialect = {
  name: 'anthropic',
  parseRequest: parseAnthropicRequest,
  renderError: renderAnthropicError,
  renderAnswer: renderAnthropicAnswer,
  createEncoder: createAnthropicEncoder,
};

/** Anthropic's Messages API (`POST /v1/messages`, always streamed). */
export const anthropicProvider: ProviderDialect = {
  dialect: 'anthropic',

  async open(request, target, io): Promise<OpenResult> {
    const built = buildAnthropicRequest(request, target.model);
    if (!built.ok) return built;
    let response: Response;
    try {
      response = await io.fetch(`${baseUrl(target)}/v1/messages`, {
        method: 'POST',
        headers: headers(target, true),
        body: JSON.stringify(built.body),
        redirect: 'error',
        signal: io.signal,
      });
    } catch (error) {
      return { ok: false, failure: thrownFailure(error, io.signal, 'Anthropic') };
    }
    if (!response.ok) return { ok: false, failure: await failureFromResponse(response) };
    const body = response.body;
    if (!body) return { ok: false, failure: { kind: 'server', status: response.status, message: 'Anthropic answered without a body' } };
    // Web streams are async-iterable in Node (the DOM typings do not say so).
    const context = built.jsonToolName ? { jsonToolName: built.jsonToolName } : {};
    return { ok: true, events: parseAnthropicStream(body as unknown as AsyncIterable<Uint8Array>, context) };
  },

  /** Lists the models: checks the key and the API front end, not model capacity. */
  async probe(target, io): Promise<ProbeResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const response = await io.fetch(`${baseUrl(target)}/v1/models?limit=1`, { method: 'GET', headers: headers(target, false), redirect: 'error', signal: io.signal });
      if (!response.ok) return { ok: false, failure: await failureFromResponse(response), latencyMs: latency() };
      await response.arrayBuffer();
      return { ok: true, latencyMs: latency() };
    } catch (error) {
      return { ok: false, failure: thrownFailure(error, io.signal, 'Anthropic'), latencyMs: latency() };
    }
  },

  canCountTokens: () => true,
  countTokens: countAnthropicTokens,
};
