import type { ResponseMeta } from '../../ir/dialect.ts';
import type { Usage } from '../../ir/events.ts';
import type { Json } from '../shared/request-fields.ts';
import type { ResponseStatus } from './status.ts';
import { toolChoiceToResponses, toolsToResponses } from './tools.ts';
import { usageToResponses } from './usage.ts';

export interface ResponseState {
  status: ResponseStatus;
  output: Json[];
  usage?: Usage;
  incomplete?: { reason: string };
  error?: { code: string; message: string };
}

/**
 * A `response` object, as in `response.created` … `response.completed` and a non-streamed answer.
 * The request's settings are echoed from the IR and the client's own fields (passthrough), as the
 * API does; `output_text` is left to the SDKs, which compute it.
 */
export function responseObject(meta: ResponseMeta, state: ResponseState): Json {
  const request = meta.request;
  const own = request.passthrough?.dialect === 'openai-responses' ? request.passthrough.fields : {};
  const reasoning = (typeof own.reasoning === 'object' && own.reasoning !== null ? own.reasoning : {}) as Json;
  const text = (typeof own.text === 'object' && own.text !== null ? own.text : {}) as Json;
  const format = request.responseFormat;
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.created,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incomplete ?? null,
    instructions: request.system.length > 0 ? request.system.map((p) => p.text).join('\n\n') : null,
    max_output_tokens: request.maxTokens ?? null,
    max_tool_calls: own.max_tool_calls ?? null,
    model: meta.model,
    output: state.output,
    parallel_tool_calls: request.parallelToolCalls ?? true,
    previous_response_id: own.previous_response_id ?? null,
    prompt_cache_key: own.prompt_cache_key ?? null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    safety_identifier: own.safety_identifier ?? null,
    service_tier: own.service_tier ?? 'default',
    store: own.store ?? true,
    temperature: request.temperature ?? 1,
    text: {
      format:
        format?.type === 'json-schema'
          ? { type: 'json_schema', name: format.name, schema: format.schema, strict: format.strict ?? false, ...(format.description ? { description: format.description } : {}) }
          : { type: format?.type === 'json' ? 'json_object' : 'text' },
      verbosity: text.verbosity ?? 'medium',
    },
    tool_choice: request.toolChoice ? toolChoiceToResponses(request.toolChoice, request.tools) : (own.tool_choice ?? 'auto'),
    tools: [...toolsToResponses(request.tools ?? []), ...(Array.isArray(own.tools) ? own.tools : [])],
    top_logprobs: own.top_logprobs ?? 0,
    top_p: request.topP ?? 1,
    truncation: own.truncation ?? 'disabled',
    usage: state.usage ? usageToResponses(state.usage) : null,
    user: own.user ?? null,
    metadata: own.metadata ?? {},
  };
}
