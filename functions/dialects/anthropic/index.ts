import type { ForwardResult, IngressDialect, OpenResult, ProbeResult, ProviderDialect, ProviderIO, TargetCall } from '../../ir/dialect.ts';
import type { Json } from '../shared/request-fields.ts';
import { type CallResult, callProvider, probeCall } from '../shared/call-provider.ts';
import { buildAnthropicRequest } from './build-request.ts';
import { countAnthropicTokens } from './count-tokens.ts';
import { baseUrl, headers } from './endpoint.ts';
import { createAnthropicEncoder } from './encode-stream.ts';
import { failureFromResponse } from './errors.ts';
import { parseAnthropicRequest } from './parse-request.ts';
import { forwardedMessagesBody, MessagesLaneTracker, scanMessagesEvent } from './pass-through.ts';
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
  laneTracker: () => new MessagesLaneTracker(),
};

/** The streamed Messages call of both lanes. */
function postMessages(body: Json, target: TargetCall, io: ProviderIO): Promise<CallResult> {
  return callProvider(io, { method: 'POST', url: `${baseUrl(target)}/v1/messages`, headers: headers(target, true), body: JSON.stringify(body) }, 'Anthropic', failureFromResponse);
}

/** Anthropic's Messages API (`POST /v1/messages`, always streamed). */
export const anthropicProvider: ProviderDialect = {
  dialect: 'anthropic',

  async open(request, target, io): Promise<OpenResult> {
    // The client's own Messages body when it can go as sent (request fidelity), else built from the IR.
    const forwarded = forwardedMessagesBody(request, target);
    const built = forwarded ? { ok: true as const, body: forwarded, jsonToolName: undefined } : buildAnthropicRequest(request, target.model);
    if (!built.ok) return built;
    const called = await postMessages(built.body, target, io);
    if (!called.ok) return called;
    const context = built.jsonToolName ? { jsonToolName: built.jsonToolName } : {};
    return { ok: true, events: parseAnthropicStream(called.response.body, context) };
  },

  forwardBody: forwardedMessagesBody,

  async forward(body, target, io): Promise<ForwardResult> {
    const called = await postMessages(body, target, io);
    return called.ok ? { ok: true, body: called.response.body, scan: scanMessagesEvent } : called;
  },

  /** Lists the models: checks the key and the API front end, not model capacity. */
  probe(target, io): Promise<ProbeResult> {
    return probeCall(io, { method: 'GET', url: `${baseUrl(target)}/v1/models?limit=1`, headers: headers(target, false) }, 'Anthropic', failureFromResponse);
  },

  canCountTokens: () => true,
  countTokens: countAnthropicTokens,
};
