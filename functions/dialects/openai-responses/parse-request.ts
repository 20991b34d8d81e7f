import { clientError } from '../../ir/client-error.ts';
import type { ParseResult } from '../../ir/dialect.ts';
import type { ChatRequest, ResponseFormat } from '../../ir/request.ts';
import { BadParam, describe, isObject, optionalNumber, type Json } from '../shared/request-fields.ts';
import { parseInput } from './input-items.ts';
import { parseToolChoice, parseTools } from './tools.ts';

/**
 * Top-level fields the IR models. Everything else — `include`, `store`, `metadata`,
 * `prompt_cache_key`, `previous_response_id`, `truncation`, `user`, `safety_identifier`,
 * `service_tier`, `background`, `conversation`, `max_tool_calls`, `top_logprobs`, unknown future
 * fields — goes to `passthrough`: a Responses target receives it unchanged, other targets ignore it.
 * `reasoning` and `text` are modelled in part (effort, format) and also kept whole, so a Responses
 * target still gets `reasoning.summary` and `text.verbosity`.
 */
const MODELLED = new Set(['model', 'input', 'instructions', 'stream', 'max_output_tokens', 'temperature', 'top_p', 'tools', 'tool_choice', 'parallel_tool_calls']);

const EFFORTS = new Set(['minimal', 'low', 'medium', 'high']);

function optionalBoolean(body: Json, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new BadParam(`${key} must be a boolean, got ${describe(value)}`, key);
  return value;
}

function parseFormat(text: unknown): ResponseFormat | undefined {
  if (text === undefined || text === null) return undefined;
  if (!isObject(text)) throw new BadParam('text must be an object', 'text');
  const format = text.format;
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) throw new BadParam('text.format must be an object', 'text.format');
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json' };
  if (format.type === 'json_schema') {
    if (typeof format.name !== 'string' || format.name === '') throw new BadParam('text.format.name is required for json_schema', 'text.format.name');
    if (!isObject(format.schema)) throw new BadParam('text.format.schema must be a JSON Schema object', 'text.format.schema');
    if (format.strict !== undefined && format.strict !== null && typeof format.strict !== 'boolean') throw new BadParam('text.format.strict must be a boolean', 'text.format.strict');
    return {
      type: 'json-schema',
      name: format.name,
      schema: format.schema,
      ...(typeof format.description === 'string' ? { description: format.description } : {}),
      ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
    };
  }
  throw new BadParam(`text.format.type ${JSON.stringify(format.type)} is not supported (text, json_object, json_schema)`, 'text.format.type');
}

function parseReasoning(raw: unknown, request: ChatRequest): void {
  if (raw === undefined || raw === null) return;
  if (!isObject(raw)) throw new BadParam('reasoning must be an object', 'reasoning');
  const effort = raw.effort;
  if (effort === undefined || effort === null) return;
  if (typeof effort !== 'string') throw new BadParam('reasoning.effort must be a string', 'reasoning.effort');
  // `none` and `xhigh` have no IR form: a Responses target still gets them through passthrough.
  if (EFFORTS.has(effort)) request.reasoning = { effort: effort as 'minimal' | 'low' | 'medium' | 'high' };
}

function build(body: unknown): ChatRequest {
  if (!isObject(body)) throw new BadParam('the request body must be a JSON object');
  if (typeof body.model !== 'string' || body.model === '') throw new BadParam('model is required (a string)', 'model');
  if (body.input === undefined || body.input === null) throw new BadParam('input is required (a string or an array of items)', 'input');
  const stream = optionalBoolean(body, 'stream') ?? false;
  const input = parseInput(body.input);
  const system = [];
  if (body.instructions !== undefined && body.instructions !== null) {
    if (typeof body.instructions !== 'string') throw new BadParam('instructions must be a string', 'instructions');
    if (body.instructions !== '') system.push({ type: 'text' as const, text: body.instructions });
  }
  system.push(...input.system);
  const request: ChatRequest = { model: body.model, system, messages: input.messages, stream };
  if (request.messages.length === 0 && body.previous_response_id === undefined) {
    throw new BadParam('input must contain at least one user, assistant or tool item', 'input');
  }

  const maxTokens = optionalNumber(body, 'max_output_tokens', { integer: true, min: 1 });
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optionalNumber(body, 'temperature', { min: 0, max: 2 });
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', { min: 0, max: 1 });
  if (topP !== undefined) request.topP = topP;
  const tools = parseTools(body.tools);
  if (tools && tools.tools.length > 0) request.tools = tools.tools;
  const toolChoice = parseToolChoice(body.tool_choice);
  if (toolChoice) request.toolChoice = toolChoice;
  const parallel = optionalBoolean(body, 'parallel_tool_calls');
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  const format = parseFormat(body.text);
  if (format) request.responseFormat = format;
  parseReasoning(body.reasoning, request);
  for (const key of ['store', 'background']) optionalBoolean(body, key);
  if (body.include !== undefined && body.include !== null && !(Array.isArray(body.include) && body.include.every((v) => typeof v === 'string'))) {
    throw new BadParam('include must be an array of strings', 'include');
  }
  if (body.metadata !== undefined && body.metadata !== null && !isObject(body.metadata)) throw new BadParam('metadata must be an object', 'metadata');
  if (body.previous_response_id !== undefined && body.previous_response_id !== null && typeof body.previous_response_id !== 'string') {
    throw new BadParam('previous_response_id must be a string', 'previous_response_id');
  }

  const passthrough: Json = {};
  for (const [key, value] of Object.entries(body)) if (!MODELLED.has(key)) passthrough[key] = value;
  if (tools && tools.builtIn.length > 0) passthrough.tools = tools.builtIn;
  if (body.tool_choice !== undefined && !toolChoice) passthrough.tool_choice = body.tool_choice;
  if (Object.keys(passthrough).length > 0) request.passthrough = { dialect: 'openai-responses', fields: passthrough };
  return request;
}

/** Parses a Responses API request body (`POST /v1/responses`) into the IR, or a 400 naming the bad parameter. */
export function parseResponsesRequest(body: unknown): ParseResult {
  try {
    return { ok: true, request: build(body) };
  } catch (error) {
    if (!(error instanceof BadParam)) throw error;
    return { ok: false, error: clientError(400, 'invalid_request', error.message, error.param ? { param: error.param } : {}) };
  }
}
