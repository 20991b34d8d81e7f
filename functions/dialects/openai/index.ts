import type { IngressDialect, OpenResult, ProbeResult, ProviderDialect } from '../../ir/dialect.ts';
import { thrownFailure } from '../shared/http-failure.ts';
import { buildOpenAiRequest } from './build-request.ts';
import { embedOpenAi } from './embeddings.ts';
import { createOpenAiEncoder } from './encode-stream.ts';
import { failureFromResponse } from './errors.ts';
import { parseOpenAiRequest } from './parse-request.ts';
import { parseOpenAiStream } from './parse-stream.ts';
import { renderOpenAiAnswer } from './render-answer.ts';
import { renderOpenAiError } from './render-error.ts';
import { chatCompletionsUrl, isAzureDeploymentForm, modelsUrl, requestHeaders } from './urls.ts';

/** The OpenAI Chat Completions API as served to clients (`POST /v1/chat/completions`). */
export const openaiIngress: IngressDialect = {
  name: 'openai',
  parseRequest: parseOpenAiRequest,
  renderError: renderOpenAiError,
  renderAnswer: renderOpenAiAnswer,
  createEncoder: createOpenAiEncoder,
};

/**
 * OpenAI and every OpenAI-compatible vendor (Azure, Groq, Mistral, DeepSeek, OpenRouter, Ollama …)
 * through Chat Completions, always streamed.
 */
export const openaiProvider: ProviderDialect = {
  dialect: 'openai',

  async open(request, target, io): Promise<OpenResult> {
    const built = buildOpenAiRequest(request, target);
    if (!built.ok) return built;
    let response: Response;
    try {
      response = await io.fetch(chatCompletionsUrl(target), {
        method: 'POST',
        headers: requestHeaders(target, 'stream'),
        body: JSON.stringify(built.body),
        redirect: 'error',
        signal: io.signal,
      });
    } catch (error) {
      return { ok: false, failure: thrownFailure(error, io.signal, 'the provider') };
    }
    if (!response.ok) return { ok: false, failure: await failureFromResponse(response) };
    const body = response.body;
    if (!body) return { ok: false, failure: { kind: 'server', status: response.status, message: 'the provider answered without a body' } };
    // Web streams are async-iterable in Node (the DOM typings do not say so).
    return { ok: true, events: parseOpenAiStream(body as unknown as AsyncIterable<Uint8Array>) };
  },

  /**
   * Lists the models: checks the key and the API front end, not model capacity. Azure's deployment
   * URL form has no model list per deployment, so it asks the deployment for one token instead.
   */
  async probe(target, io): Promise<ProbeResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const response = isAzureDeploymentForm(target.provider)
        ? await io.fetch(chatCompletionsUrl(target), {
            method: 'POST',
            headers: requestHeaders(target, 'json'),
            body: JSON.stringify({ messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 }),
            redirect: 'error',
            signal: io.signal,
          })
        : await io.fetch(modelsUrl(target), { method: 'GET', headers: requestHeaders(target, 'none'), redirect: 'error', signal: io.signal });
      if (!response.ok) return { ok: false, failure: await failureFromResponse(response), latencyMs: latency() };
      await response.arrayBuffer();
      return { ok: true, latencyMs: latency() };
    } catch (error) {
      return { ok: false, failure: thrownFailure(error, io.signal, 'the provider'), latencyMs: latency() };
    }
  },

  embed: embedOpenAi,
};
