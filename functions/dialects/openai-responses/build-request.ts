import { effortFor } from '../shared/reasoning-budget.ts';
import type { TargetCall } from '../../ir/dialect.ts';
import type { Failure } from '../../ir/failure.ts';
import type { ChatRequest, ImagePart, Message, ToolResultPart, UserPart } from '../../ir/request.ts';
import type { Json } from '../shared/request-fields.ts';
import { documentName, lowered, partRefusal, type LoweredPart, type Place } from '../shared/documents.ts';
import { mayReceive } from './reasoning-token.ts';
import { callName, freeformInput, toolChoiceToResponses, toolsToResponses } from './tools.ts';

export type BuildResult = { ok: true; body: Json } | { ok: false; failure: Failure };


function imageUrl(part: ImagePart): string {
  return part.source.type === 'url' ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
}

/** A part as a Responses input content part: text, an image, or a file (`input_file`: bytes, URL or OpenAI file id). */
function inputPart(part: LoweredPart, index: number): Json {
  if (part.type === 'text') return { type: 'input_text', text: part.text };
  if (part.type === 'image') return { type: 'input_image', image_url: imageUrl(part) };
  const source = part.source;
  if (source.type === 'file') return { type: 'input_file', file_id: source.fileId };
  if (source.type === 'url') return { type: 'input_file', file_url: source.url };
  return { type: 'input_file', filename: documentName(part, index), file_data: `data:${source.mediaType};base64,${source.data}` };
}

/** A user message's or tool output's parts as input content parts, or why this target cannot take one. */
function inputParts(content: UserPart[], place: Place, to: { dialect: 'openai-responses'; kind: string }): Json[] | string {
  const parts = lowered(content, place, to);
  return 'refusal' in parts ? parts.refusal : parts.map(inputPart);
}

/** A tool output: its text, or content parts when it holds more than text; or why this target cannot take it. */
function toolOutput(content: ToolResultPart[], kind: string): { output: string | Json[] } | { refusal: string } {
  if (content.every((p) => p.type === 'text')) return { output: content.map((p) => (p as { text: string }).text).join('') };
  const parts = inputParts(content, 'tool', { dialect: 'openai-responses', kind });
  return typeof parts === 'string' ? { refusal: parts } : { output: parts };
}

/** IR messages → Responses input items (free-form calls become custom tool calls again), or why this target cannot take them. */
function inputItems(request: ChatRequest, provider: TargetCall['provider']): Json[] | string {
  const to = { dialect: 'openai-responses' as const, kind: provider.kind };
  const freeform = new Set((request.tools ?? []).filter((t) => t.freeform).map((t) => t.name));
  const freeformCalls = new Set<string>();
  const items: Json[] = [];
  for (const message of request.messages as Message[]) {
    if (message.role === 'user') {
      const content = inputParts(message.content, 'user', to);
      if (typeof content === 'string') return content;
      items.push({ role: 'user', content });
      continue;
    }
    if (message.role === 'system') {
      // A mid-conversation instruction: the Responses API takes system and developer messages anywhere.
      items.push({ role: message.developer ? 'developer' : 'system', content: message.content.map((p) => ({ type: 'input_text', text: p.text })) });
      continue;
    }
    if (message.role === 'tool') {
      const custom = freeformCalls.has(message.toolCallId);
      const output = toolOutput(message.content, provider.kind);
      if ('refusal' in output) return output.refusal;
      items.push({ type: custom ? 'custom_tool_call_output' : 'function_call_output', call_id: message.toolCallId, output: output.output });
      continue;
    }
    let text = '';
    const flush = () => {
      if (text !== '') items.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
      text = '';
    };
    for (const part of message.content) {
      if (part.type === 'text') {
        text += part.text;
        continue;
      }
      if (part.type === 'opaque') {
        const refusal = partRefusal(part, 'assistant', to);
        if (refusal) return refusal;
        text += part.text ?? '';
        continue;
      }
      flush();
      if (part.type === 'reasoning') {
        // Encrypted reasoning goes back only to its issuer; a summary alone cannot be replayed.
        if (part.encrypted && mayReceive(part.encrypted, provider.name)) {
          items.push({
            type: 'reasoning',
            ...(part.encrypted.itemId ? { id: part.encrypted.itemId } : {}),
            summary: part.text === '' ? [] : [{ type: 'summary_text', text: part.text }],
            encrypted_content: part.encrypted.data,
          });
        }
      } else if (freeform.has(part.name)) {
        freeformCalls.add(part.id);
        items.push({ type: 'custom_tool_call', call_id: part.id, ...callName(part.name, request.tools), input: freeformInput(part.arguments) });
      } else {
        items.push({ type: 'function_call', call_id: part.id, ...callName(part.name, request.tools), arguments: part.arguments });
      }
    }
    flush();
  }
  return items;
}

/**
 * The IR → a streamed Responses API body for this target. A Responses client's own fields that the
 * IR does not model (`passthrough`: include, store, metadata, prompt_cache_key,
 * previous_response_id, built-in tools …) go first and the fields built here win. For any other
 * client the proxy asks for `store: false`: it keeps no state at the provider on a client's behalf.
 * The Responses API has no stop sequences: a request with them is `unsupported` here.
 */
export function buildResponsesRequest(request: ChatRequest, target: TargetCall): BuildResult {
  if (request.stop && request.stop.length > 0) {
    return { ok: false, failure: { kind: 'unsupported', message: 'the Responses API has no stop sequences', param: 'stop' } };
  }
  const own = request.passthrough?.dialect === 'openai-responses' ? request.passthrough.fields : undefined;
  const input = inputItems(request, target.provider);
  if (typeof input === 'string') return { ok: false, failure: { kind: 'unsupported', message: input } };
  const body: Json = own ? { ...own } : { store: false };
  Object.assign(body, { model: target.model, input, stream: true });
  if (request.system.length > 0) body.instructions = request.system.map((p) => p.text).join('\n\n');
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;

  const builtIn = Array.isArray(own?.tools) ? (own.tools as Json[]) : [];
  const tools = [...toolsToResponses(request.tools ?? []), ...builtIn];
  if (tools.length > 0) body.tools = tools;
  else delete body.tools;
  if (request.toolChoice) body.tool_choice = toolChoiceToResponses(request.toolChoice, request.tools);
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;

  const format = request.responseFormat;
  if (format) {
    const text = typeof own?.text === 'object' && own.text !== null ? { ...(own.text as Json) } : {};
    if (format.type === 'json-schema') {
      text.format = {
        type: 'json_schema',
        name: format.name,
        schema: format.schema,
        ...(format.description !== undefined ? { description: format.description } : {}),
        ...(format.strict !== undefined ? { strict: format.strict } : {}),
      };
    } else text.format = { type: format.type === 'json' ? 'json_object' : 'text' };
    body.text = text;
  }
  const effort = effortFor(request.reasoning);
  if (effort) body.reasoning = { ...(typeof own?.reasoning === 'object' && own.reasoning !== null ? (own.reasoning as Json) : {}), effort };
  return { ok: true, body };
}
