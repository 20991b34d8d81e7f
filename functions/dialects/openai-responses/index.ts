import type { ForwardResult, IngressDialect, OpenResult, ProviderDialect, ProviderIO, TargetCall } from '../../ir/dialect.ts';
import type { Json } from '../shared/request-fields.ts';
import { failureFromResponse } from '../openai/errors.ts';
import { openaiProvider } from '../openai/index.ts';
import { renderOpenAiError } from '../openai/render-error.ts';
import { requestHeaders, responsesUrl } from '../openai/urls.ts';
import { type CallResult, callProvider } from '../shared/call-provider.ts';
import { buildResponsesRequest } from './build-request.ts';
import { createResponsesEncoder } from './encode-stream.ts';
import { parseResponsesRequest } from './parse-request.ts';
import { parseResponsesStream } from './parse-stream.ts';
import { renderResponsesAnswer } from './render-answer.ts';
import { forwardedResponsesBody, ResponsesLaneTracker, scanResponsesEvent } from './pass-through.ts';

/**
 * OpenAI's Responses API as served to clients (`POST /v1/responses`): Codex, the AI SDK's default
 * `openai()` provider, `client.responses.create`. Errors have the same shape as Chat Completions'.
 */
export const responsesIngress: IngressDialect = {
  name: 'openai-responses',
  parseRequest: parseResponsesRequest,
  renderError: renderOpenAiError,
  renderAnswer: renderResponsesAnswer,
  createEncoder: createResponsesEncoder,
  laneTracker: () => new ResponsesLaneTracker(),
};

/** The streamed Responses call of both lanes. */
function postResponses(body: Json, target: TargetCall, io: ProviderIO): Promise<CallResult> {
  return callProvider(io, { method: 'POST', url: responsesUrl(target), headers: requestHeaders(target, 'stream'), body: JSON.stringify(body) }, 'the provider', failureFromResponse);
}

/**
 * A provider reached through its Responses API (`POST {baseUrl}/responses`), always streamed:
 * OpenAI and Azure OpenAI by default, any compatible vendor whose config says `apis` includes
 * `responses`. Errors and probes are OpenAI's.
 */
export const responsesProvider: ProviderDialect = {
  dialect: 'openai-responses',

  async open(request, target, io): Promise<OpenResult> {
    // The client's own Responses body when it can go as sent (request fidelity), else built from the IR.
    const forwarded = forwardedResponsesBody(request, target);
    const built = forwarded ? { ok: true as const, body: forwarded } : buildResponsesRequest(request, target);
    if (!built.ok) return built;
    const called = await postResponses(built.body, target, io);
    if (!called.ok) return called;
    return { ok: true, events: parseResponsesStream(called.response.body) };
  },

  forwardBody: forwardedResponsesBody,

  async forward(body, target, io): Promise<ForwardResult> {
    const called = await postResponses(body, target, io);
    return called.ok ? { ok: true, body: called.response.body, scan: scanResponsesEvent } : called;
  },

  probe: (target, io) => openaiProvider.probe(target, io),
};
