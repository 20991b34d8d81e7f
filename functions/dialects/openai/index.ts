import type { ForwardResult, IngressDialect, OpenResult, ProbeResult, ProviderDialect, ProviderIO, TargetCall } from '../../ir/dialect.ts';
import type { Json } from '../shared/request-fields.ts';
import { type CallResult, callProvider, probeCall } from '../shared/call-provider.ts';
import { buildOpenAiRequest } from './build-request.ts';
import { embedOpenAi } from './embeddings.ts';
import { createOpenAiEncoder } from './encode-stream.ts';
import { failureFromResponse } from './errors.ts';
import { parseOpenAiRequest } from './parse-request.ts';
import { parseOpenAiStream } from './parse-stream.ts';
import { renderOpenAiAnswer } from './render-answer.ts';
import { renderOpenAiError } from './render-error.ts';
import { chatCompletionsUrl, isAzureDeploymentForm, modelsUrl, requestHeaders } from './urls.ts';
import { ChatLaneTracker, forwardedChatBody, scanChatCompletionsEvent } from './pass-through.ts';

/** The OpenAI Chat Completions API as served to clients (`POST /v1/chat/completions`). */
export const openaiIngress: IngressDialect = {
  name: 'openai',
  parseRequest: parseOpenAiRequest,
  renderError: renderOpenAiError,
  renderAnswer: renderOpenAiAnswer,
  createEncoder: createOpenAiEncoder,
  laneTracker: () => new ChatLaneTracker(),
};

/** The streamed Chat Completions call of both lanes. */
function postChat(body: Json, target: TargetCall, io: ProviderIO): Promise<CallResult> {
  return callProvider(io, { method: 'POST', url: chatCompletionsUrl(target), headers: requestHeaders(target, 'stream'), body: JSON.stringify(body) }, 'the provider', failureFromResponse);
}

/**
 * OpenAI and every OpenAI-compatible vendor (Azure, Groq, Mistral, DeepSeek, OpenRouter, Ollama …)
 * through Chat Completions, always streamed.
 */
export const openaiProvider: ProviderDialect = {
  dialect: 'openai',

  async open(request, target, io): Promise<OpenResult> {
    // The client's own Chat Completions body when it can go as sent (request fidelity), else built from the IR.
    const forwarded = forwardedChatBody(request, target);
    const built = forwarded ? { ok: true as const, body: forwarded } : buildOpenAiRequest(request, target);
    if (!built.ok) return built;
    const called = await postChat(built.body, target, io);
    if (!called.ok) return called;
    return { ok: true, events: parseOpenAiStream(called.response.body) };
  },

  forwardBody: forwardedChatBody,

  async forward(body, target, io): Promise<ForwardResult> {
    const called = await postChat(body, target, io);
    return called.ok ? { ok: true, body: called.response.body, scan: scanChatCompletionsEvent } : called;
  },

  /**
   * Lists the models: checks the key and the API front end, not model capacity. Azure's deployment
   * URL form has no model list per deployment, so it asks the deployment for one token instead.
   */
  probe(target, io): Promise<ProbeResult> {
    const request = isAzureDeploymentForm(target.provider)
      ? {
          method: 'POST' as const,
          url: chatCompletionsUrl(target),
          headers: requestHeaders(target, 'json'),
          body: JSON.stringify({ messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 }),
        }
      : { method: 'GET' as const, url: modelsUrl(target), headers: requestHeaders(target, 'none') };
    return probeCall(io, request, 'the provider', failureFromResponse);
  },

  embed: embedOpenAi,
};
