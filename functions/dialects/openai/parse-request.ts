import { type ClientError, clientError } from '../../ir/client-error.ts';
import type { ParseResult } from '../../ir/dialect.ts';
import type {
  AssistantPart,
  ChatRequest,
  ImagePart,
  Message,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
  UserPart,
} from '../../ir/request.ts';
import { imageFromUrl } from '../shared/image-url.ts';
import { documentFromOpenAiFile } from '../shared/documents.ts';
import { BadParam, describe, isObject, optionalNumber, type Json } from '../shared/request-fields.ts';

/**
 * Top-level fields the IR models (read below). Everything else (logprobs, top_logprobs,
 * logit_bias, user, metadata, store, frequency_penalty, presence_penalty, service_tier,
 * prediction, modalities, legacy functions …, and unknown fields) goes to `passthrough`: an OpenAI
 * upstream receives it unchanged (and rejects what it does not know, as OpenAI would), other
 * dialects ignore it.
 */
const MODELLED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'seed',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
]);

const EFFORTS = new Set(['minimal', 'low', 'medium', 'high']);

function optionalBoolean(body: Json, key: string, param = key): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new BadParam(`${param} must be a boolean, got ${describe(value)}`, param);
  return value;
}

/** `string | [{type:'text', text}]` → text parts (system, developer, tool and assistant content). */
function textParts(content: unknown, param: string): TextPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new BadParam(`${param} must be a string or an array of content parts, got ${describe(content)}`, param);
  return content.map((part, j) => {
    const p = `${param}[${j}]`;
    if (!isObject(part)) throw new BadParam(`${p} must be an object`, p);
    // An assistant's refusal part is text the model said.
    if (part.type === 'refusal' && typeof part.refusal === 'string') return { type: 'text', text: part.refusal };
    if (part.type !== 'text') throw new BadParam(`${p}.type must be 'text' here, got ${JSON.stringify(part.type)}`, `${p}.type`);
    if (typeof part.text !== 'string') throw new BadParam(`${p}.text must be a string`, `${p}.text`);
    return { type: 'text', text: part.text };
  });
}

function imagePart(part: Json, p: string): ImagePart {
  const image = part.image_url;
  const url = typeof image === 'string' ? image : isObject(image) ? image.url : undefined;
  if (typeof url !== 'string' || url === '') throw new BadParam(`${p}.image_url.url must be a string`, `${p}.image_url.url`);
  const parsed = imageFromUrl(url);
  if (parsed) return parsed;
  throw new BadParam(`${p}.image_url.url must be an http(s) URL or a base64 data: URL`, `${p}.image_url.url`);
}

function userParts(content: unknown, param: string): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new BadParam(`${param} must be a string or an array of content parts, got ${describe(content)}`, param);
  return content.map((part, j): UserPart => {
    const p = `${param}[${j}]`;
    if (!isObject(part)) throw new BadParam(`${p} must be an object`, p);
    if (part.type === 'text') {
      if (typeof part.text !== 'string') throw new BadParam(`${p}.text must be a string`, `${p}.text`);
      return { type: 'text', text: part.text };
    }
    if (part.type === 'image_url') return imagePart(part, p);
    if (part.type === 'file') {
      const file = isObject(part.file) ? part.file : undefined;
      const document = file ? documentFromOpenAiFile({ data: file.file_data, id: file.file_id, filename: file.filename }) : 'file must be an object';
      if (typeof document === 'string') throw new BadParam(`${p}.file: ${document}`, `${p}.file`);
      return document;
    }
    throw new BadParam(`content part type ${JSON.stringify(part.type)} is not supported (text, image_url and file are)`, `${p}.type`);
  });
}

function assistantMessage(message: Json, param: string, toolNames: Map<string, string>): Message {
  const content: AssistantPart[] = message.content === undefined || message.content === null ? [] : textParts(message.content, `${param}.content`);
  if (typeof message.refusal === 'string' && message.refusal !== '') content.push({ type: 'text', text: message.refusal });
  const calls = message.tool_calls;
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) throw new BadParam(`${param}.tool_calls must be an array`, `${param}.tool_calls`);
    calls.forEach((call, j) => {
      const p = `${param}.tool_calls[${j}]`;
      if (!isObject(call) || !isObject(call.function)) throw new BadParam(`${p} must be {id, type:'function', function:{name, arguments}}`, p);
      if (typeof call.id !== 'string' || call.id === '') throw new BadParam(`${p}.id must be a string`, `${p}.id`);
      if (call.type !== undefined && call.type !== 'function') throw new BadParam(`${p}.type must be 'function'`, `${p}.type`);
      const fn = call.function;
      if (typeof fn.name !== 'string' || fn.name === '') throw new BadParam(`${p}.function.name must be a string`, `${p}.function.name`);
      if (typeof fn.arguments !== 'string') throw new BadParam(`${p}.function.arguments must be a JSON string`, `${p}.function.arguments`);
      toolNames.set(call.id, fn.name);
      // Kept verbatim: the model wrote it, and a provider of the same kind wants it back as is.
      content.push({ type: 'tool-call', id: call.id, name: fn.name, arguments: fn.arguments });
    });
  }
  // `reasoning_content` sent back by DeepSeek-style clients is ignored: DeepSeek itself rejects it.
  return { role: 'assistant', content };
}

function toolMessage(message: Json, param: string, toolNames: Map<string, string>): Message {
  const id = message.tool_call_id;
  if (typeof id !== 'string' || id === '') throw new BadParam(`${param}.tool_call_id must be a string`, `${param}.tool_call_id`);
  const content = message.content === null || message.content === undefined ? [] : textParts(message.content, `${param}.content`);
  const name = toolNames.get(id);
  return { role: 'tool', toolCallId: id, ...(name ? { toolName: name } : {}), content };
}

function parseMessages(raw: unknown): { system: TextPart[]; messages: Message[] } {
  if (!Array.isArray(raw)) throw new BadParam(`messages must be an array, got ${describe(raw)}`, 'messages');
  if (raw.length === 0) throw new BadParam('messages must contain at least one message', 'messages');
  const system: TextPart[] = [];
  const messages: Message[] = [];
  const toolNames = new Map<string, string>();
  raw.forEach((message, i) => {
    const param = `messages[${i}]`;
    if (!isObject(message)) throw new BadParam(`${param} must be an object`, param);
    switch (message.role) {
      case 'system':
      case 'developer': {
        // Before the first turn: the system prompt. After it: an instruction given at that point of
        // the conversation, kept there (each provider dialect decides how its target takes it).
        const content = textParts(message.content, `${param}.content`);
        if (messages.length === 0) system.push(...content);
        else messages.push({ role: 'system', content, ...(message.role === 'developer' ? { developer: true } : {}) });
        break;
      }
      case 'user':
        if (message.content === undefined || message.content === null) throw new BadParam(`${param}.content is required`, `${param}.content`);
        messages.push({ role: 'user', content: userParts(message.content, `${param}.content`) });
        break;
      case 'assistant':
        messages.push(assistantMessage(message, param, toolNames));
        break;
      case 'tool':
        messages.push(toolMessage(message, param, toolNames));
        break;
      default:
        throw new BadParam(
          `${param}.role ${JSON.stringify(message.role)} is not supported (system, developer, user, assistant, tool)`,
          `${param}.role`,
        );
    }
  });
  return { system, messages };
}

function parseTools(raw: unknown): ToolDefinition[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new BadParam('tools must be an array', 'tools');
  return raw.map((tool, i): ToolDefinition => {
    const p = `tools[${i}]`;
    if (!isObject(tool)) throw new BadParam(`${p} must be an object`, p);
    if (tool.type !== 'function') throw new BadParam(`${p}.type ${JSON.stringify(tool.type)} is not supported (function)`, `${p}.type`);
    const fn = tool.function;
    if (!isObject(fn)) throw new BadParam(`${p}.function must be an object`, `${p}.function`);
    if (typeof fn.name !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(fn.name)) {
      throw new BadParam(`${p}.function.name must be 1-128 letters, digits, '_', '.' or '-'`, `${p}.function.name`);
    }
    const parameters = fn.parameters ?? { type: 'object', properties: {} };
    if (!isObject(parameters)) throw new BadParam(`${p}.function.parameters must be a JSON Schema object`, `${p}.function.parameters`);
    if (parameters.type !== undefined && parameters.type !== 'object') {
      throw new BadParam(`${p}.function.parameters must describe an object (type 'object')`, `${p}.function.parameters.type`);
    }
    if (fn.description !== undefined && typeof fn.description !== 'string') throw new BadParam(`${p}.function.description must be a string`, `${p}.function.description`);
    const strict = optionalBoolean(fn, 'strict', `${p}.function.strict`);
    return {
      name: fn.name,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      parameters,
      ...(strict !== undefined ? { strict } : {}),
    };
  });
}

function parseToolChoice(raw: unknown): ToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto' || raw === 'none' || raw === 'required') return { type: raw };
  if (isObject(raw) && raw.type === 'function' && isObject(raw.function) && typeof raw.function.name === 'string') {
    return { type: 'tool', name: raw.function.name };
  }
  throw new BadParam(`tool_choice must be 'auto', 'none', 'required' or {type:'function', function:{name}}`, 'tool_choice');
}

function parseResponseFormat(raw: unknown): ResponseFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new BadParam('response_format must be an object', 'response_format');
  if (raw.type === 'text') return { type: 'text' };
  if (raw.type === 'json_object') return { type: 'json' };
  if (raw.type === 'json_schema') {
    const spec = raw.json_schema;
    if (!isObject(spec) || typeof spec.name !== 'string') throw new BadParam('response_format.json_schema needs a name', 'response_format.json_schema');
    if (spec.schema !== undefined && !isObject(spec.schema)) throw new BadParam('response_format.json_schema.schema must be an object', 'response_format.json_schema.schema');
    const strict = optionalBoolean(spec, 'strict', 'response_format.json_schema.strict');
    return {
      type: 'json-schema',
      name: spec.name,
      schema: spec.schema ?? {},
      ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
      ...(strict !== undefined ? { strict } : {}),
    };
  }
  throw new BadParam(`response_format.type ${JSON.stringify(raw.type)} is not supported (text, json_object, json_schema)`, 'response_format.type');
}

function parseStop(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return raw as string[];
  throw new BadParam('stop must be a string or an array of strings', 'stop');
}

function build(body: unknown): ChatRequest {
  if (!isObject(body)) throw new BadParam('the request body must be a JSON object');
  if (typeof body.model !== 'string' || body.model === '') throw new BadParam('model is required (a string)', 'model');
  if (body.messages === undefined) throw new BadParam('messages is required', 'messages');
  const n = optionalNumber(body, 'n', { integer: true, min: 1 });
  if (n !== undefined && n > 1) throw new BadParam('n > 1 is not supported: the proxy serves one choice', 'n');
  const stream = optionalBoolean(body, 'stream') ?? false;
  const { system, messages } = parseMessages(body.messages);
  const request: ChatRequest = { model: body.model, system, messages, stream };

  const maxTokens = optionalNumber(body, 'max_completion_tokens', { integer: true, min: 1 }) ?? optionalNumber(body, 'max_tokens', { integer: true, min: 1 });
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optionalNumber(body, 'temperature', { min: 0, max: 2 });
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', { min: 0, max: 1 });
  if (topP !== undefined) request.topP = topP;
  const topK = optionalNumber(body, 'top_k', { integer: true, min: 1 });
  if (topK !== undefined) request.topK = topK;
  const seed = optionalNumber(body, 'seed', { integer: true });
  if (seed !== undefined) request.seed = seed;
  const stop = parseStop(body.stop);
  if (stop) request.stop = stop;
  const tools = parseTools(body.tools);
  if (tools) request.tools = tools;
  const toolChoice = parseToolChoice(body.tool_choice);
  if (toolChoice) request.toolChoice = toolChoice;
  const parallel = optionalBoolean(body, 'parallel_tool_calls');
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  const format = parseResponseFormat(body.response_format);
  if (format) request.responseFormat = format;

  const passthrough: Json = {};
  const effort = body.reasoning_effort;
  if (effort !== undefined && effort !== null) {
    if (typeof effort !== 'string') throw new BadParam('reasoning_effort must be a string', 'reasoning_effort');
    if (EFFORTS.has(effort)) request.reasoning = { effort: effort as 'minimal' | 'low' | 'medium' | 'high' };
    // Values the IR cannot hold (none, xhigh, …) reach an OpenAI upstream unchanged.
    else passthrough.reasoning_effort = effort;
  }
  const options = body.stream_options;
  if (options !== undefined && options !== null) {
    if (!isObject(options)) throw new BadParam('stream_options must be an object', 'stream_options');
    const include = optionalBoolean(options, 'include_usage', 'stream_options.include_usage');
    if (include && stream) request.includeUsage = true;
  }

  for (const [key, value] of Object.entries(body)) if (!MODELLED.has(key)) passthrough[key] = value;
  if (Object.keys(passthrough).length > 0) request.passthrough = { dialect: 'openai', fields: passthrough };
  return request;
}

/** Parses a Chat Completions request body into the IR, or a 400 naming the bad parameter. */
export function parseOpenAiRequest(body: unknown): ParseResult {
  try {
    return { ok: true, request: build(body) };
  } catch (error) {
    if (!(error instanceof BadParam)) throw error;
    const result: ClientError = clientError(400, 'invalid_request', error.message, error.param ? { param: error.param } : {});
    return { ok: false, error: result };
  }
}
