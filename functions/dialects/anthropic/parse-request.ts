import { type ClientError, clientError } from '../../ir/client-error.ts';
import type { ParseResult } from '../../ir/dialect.ts';
import type { CountRequest } from '../../ir/token-count.ts';
import type { AssistantPart, ChatRequest, DocumentPart, ImagePart, Message, OpaquePart, TextPart, ToolChoice, ToolDefinition, ToolResultPart, UserPart } from '../../ir/request.ts';
import { PDF, searchResultText } from '../shared/documents.ts';
import { REDACTED_PREFIX } from '../shared/redacted-thinking.ts';
import { BadParam, describe, isObject, optionalNumber, type Json } from '../shared/request-fields.ts';

/**
 * Top-level fields the IR models (read below). Everything else (metadata, service_tier,
 * output_config, container, top-level cache_control …, and unknown fields) goes to `passthrough`:
 * an Anthropic upstream receives it unchanged (and rejects what it does not know, as Anthropic
 * would), other dialects ignore it. `cache_control` on blocks, tools and system text is dropped
 * silently: the IR has no cache hints, and a prompt without them is still the same prompt.
 */
const MODELLED = new Set(['model', 'messages', 'system', 'max_tokens', 'stream', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice', 'thinking']);

function blocksOf(content: unknown, param: string): Json[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new BadParam(`${param} must be a string or an array of content blocks, got ${describe(content)}`, param);
  return content.map((block, j) => {
    if (!isObject(block)) throw new BadParam(`${param}[${j}] must be an object`, `${param}[${j}]`);
    return block;
  });
}

function textBlock(block: Json, p: string): TextPart {
  if (typeof block.text !== 'string') throw new BadParam(`${p}.text must be a string`, `${p}.text`);
  const citations = block.citations;
  if (citations === undefined || citations === null) return { type: 'text', text: block.text };
  if (!Array.isArray(citations) || !citations.every(isObject)) throw new BadParam(`${p}.citations must be an array of objects`, `${p}.citations`);
  return citations.length > 0 ? { type: 'text', text: block.text, citations } : { type: 'text', text: block.text };
}

/**
 * A block the IR does not model, kept as sent for an Anthropic target (server tool calls and
 * results, MCP blocks, `container_upload`, an image from the Files API, block types yet to come).
 */
function opaqueBlock(block: Json, p: string, text?: string): OpaquePart {
  if (typeof block.type !== 'string' || block.type === '') throw new BadParam(`${p}.type must be a string`, `${p}.type`);
  return { type: 'opaque', dialect: 'anthropic', block, ...(text !== undefined ? { text } : {}) };
}

/** `search_result`: kept as sent for Anthropic, and read as text by other targets. */
function searchResultBlock(block: Json, p: string): OpaquePart {
  if (typeof block.source !== 'string') throw new BadParam(`${p}.source must be a string`, `${p}.source`);
  if (typeof block.title !== 'string') throw new BadParam(`${p}.title must be a string`, `${p}.title`);
  if (!Array.isArray(block.content)) throw new BadParam(`${p}.content must be an array of text blocks`, `${p}.content`);
  const texts = block.content.map((item, k) => {
    if (!isObject(item) || item.type !== 'text') throw new BadParam(`${p}.content[${k}] must be a text block`, `${p}.content[${k}]`);
    return textBlock(item, `${p}.content[${k}]`).text;
  });
  return opaqueBlock(block, p, searchResultText(block.title, block.source, texts));
}

function optionalText(block: Json, field: string, p: string): string | undefined {
  const value = block[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadParam(`${p}.${field} must be a string`, `${p}.${field}`);
  return value;
}

/** `document`: a PDF (bytes or URL), plain text, content blocks, or a Files API file. */
function documentBlock(block: Json, p: string): DocumentPart {
  const source = block.source;
  if (!isObject(source)) throw new BadParam(`${p}.source must be an object`, `${p}.source`);
  let parsed: DocumentPart['source'];
  switch (source.type) {
    case 'base64':
      if (source.media_type !== PDF) throw new BadParam(`${p}.source.media_type must be "${PDF}" for a base64 document`, `${p}.source.media_type`);
      if (typeof source.data !== 'string' || source.data === '') throw new BadParam(`${p}.source.data must be a base64 string`, `${p}.source.data`);
      parsed = { type: 'base64', mediaType: PDF, data: source.data };
      break;
    case 'text':
      if (source.media_type !== undefined && source.media_type !== 'text/plain') throw new BadParam(`${p}.source.media_type must be "text/plain"`, `${p}.source.media_type`);
      if (typeof source.data !== 'string') throw new BadParam(`${p}.source.data must be a string`, `${p}.source.data`);
      parsed = { type: 'text', text: source.data };
      break;
    case 'url':
      if (typeof source.url !== 'string' || source.url === '') throw new BadParam(`${p}.source.url must be a string`, `${p}.source.url`);
      parsed = { type: 'url', url: source.url };
      break;
    case 'content':
      parsed = {
        type: 'content',
        parts: blocksOf(source.content, `${p}.source.content`).map((item, k) => {
          const q = `${p}.source.content[${k}]`;
          if (item.type === 'text') return textBlock(item, q);
          if (item.type === 'image') return imageBlock(item, q);
          throw unsupportedBlock(item, q, 'text, image');
        }),
      };
      break;
    case 'file':
      if (typeof source.file_id !== 'string' || source.file_id === '') throw new BadParam(`${p}.source.file_id must be a string`, `${p}.source.file_id`);
      parsed = { type: 'file', fileId: source.file_id, issuer: 'anthropic' };
      break;
    default:
      throw new BadParam(`${p}.source.type ${JSON.stringify(source.type)} is not supported (base64, text, url, content, file)`, `${p}.source.type`);
  }
  const citations = block.citations;
  if (citations !== undefined && citations !== null && !(isObject(citations) && (citations.enabled === undefined || typeof citations.enabled === 'boolean'))) {
    throw new BadParam(`${p}.citations must be an object like {"enabled": true}`, `${p}.citations`);
  }
  const title = optionalText(block, 'title', p);
  const context = optionalText(block, 'context', p);
  return {
    type: 'document',
    source: parsed,
    ...(title !== undefined ? { title } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(isObject(citations) && citations.enabled === true ? { citations: true } : {}),
  };
}

/** A user-side block other than a tool result: text, image, document, search result, or opaque. */
function userBlock(block: Json, p: string): UserPart {
  switch (block.type) {
    case 'text':
      return textBlock(block, p);
    case 'image':
      // An image from the Files API is meaningful to Anthropic only.
      return isObject(block.source) && block.source.type === 'file' ? opaqueBlock(block, p) : imageBlock(block, p);
    case 'document':
      return documentBlock(block, p);
    case 'search_result':
      return searchResultBlock(block, p);
    default:
      return opaqueBlock(block, p);
  }
}

function imageBlock(block: Json, p: string): ImagePart {
  const source = block.source;
  if (!isObject(source)) throw new BadParam(`${p}.source must be an object`, `${p}.source`);
  if (source.type === 'base64') {
    if (typeof source.media_type !== 'string' || typeof source.data !== 'string') throw new BadParam(`${p}.source needs media_type and data strings`, `${p}.source`);
    return { type: 'image', source: { type: 'base64', mediaType: source.media_type, data: source.data } };
  }
  if (source.type === 'url') {
    if (typeof source.url !== 'string' || source.url === '') throw new BadParam(`${p}.source.url must be a string`, `${p}.source.url`);
    return { type: 'image', source: { type: 'url', url: source.url } };
  }
  throw new BadParam(`${p}.source.type ${JSON.stringify(source.type)} is not supported (base64, url)`, `${p}.source.type`);
}

function unsupportedBlock(block: Json, p: string, allowed: string): BadParam {
  return new BadParam(`content block type ${JSON.stringify(block.type)} is not supported here (${allowed})`, `${p}.type`);
}

function toolResultContent(content: unknown, p: string): ToolResultPart[] {
  if (content === undefined || content === null) return [];
  return blocksOf(content, `${p}.content`).map((block, k): ToolResultPart => userBlock(block, `${p}.content[${k}]`));
}

/**
 * One user turn → IR messages: every `tool_result` becomes a `tool` message, emitted FIRST (in
 * order), and the turn's other blocks stay one user message after them — the order in which the
 * conversation happened (tool results answer the previous assistant turn).
 */
function userTurn(content: unknown, param: string, toolNames: Map<string, string>): Message[] {
  const tools: Message[] = [];
  const parts: UserPart[] = [];
  blocksOf(content, param).forEach((block, j) => {
    const p = `${param}[${j}]`;
    if (block.type === 'tool_result') {
      const id = block.tool_use_id;
      if (typeof id !== 'string' || id === '') throw new BadParam(`${p}.tool_use_id must be a string`, `${p}.tool_use_id`);
      if (block.is_error !== undefined && typeof block.is_error !== 'boolean') throw new BadParam(`${p}.is_error must be a boolean`, `${p}.is_error`);
      const name = toolNames.get(id);
      tools.push({
        role: 'tool',
        toolCallId: id,
        ...(name ? { toolName: name } : {}),
        content: toolResultContent(block.content, p),
        ...(block.is_error === true ? { isError: true } : {}),
      });
    } else parts.push(userBlock(block, p));
  });
  // A user turn of only tool results has no user message of its own.
  return parts.length > 0 || tools.length === 0 ? [...tools, { role: 'user', content: parts }] : tools;
}

function assistantTurn(content: unknown, param: string, toolNames: Map<string, string>): Message {
  const parts: AssistantPart[] = [];
  blocksOf(content, param).forEach((block, j) => {
    const p = `${param}[${j}]`;
    switch (block.type) {
      case 'text':
        parts.push(textBlock(block, p));
        break;
      case 'tool_use': {
        if (typeof block.id !== 'string' || block.id === '') throw new BadParam(`${p}.id must be a string`, `${p}.id`);
        if (typeof block.name !== 'string' || block.name === '') throw new BadParam(`${p}.name must be a string`, `${p}.name`);
        const input = block.input ?? {};
        if (!isObject(input)) throw new BadParam(`${p}.input must be an object`, `${p}.input`);
        toolNames.set(block.id, block.name);
        parts.push({ type: 'tool-call', id: block.id, name: block.name, arguments: JSON.stringify(input) });
        break;
      }
      case 'thinking':
        if (typeof block.thinking !== 'string') throw new BadParam(`${p}.thinking must be a string`, `${p}.thinking`);
        if (block.signature !== undefined && typeof block.signature !== 'string') throw new BadParam(`${p}.signature must be a string`, `${p}.signature`);
        parts.push({ type: 'reasoning', text: block.thinking, ...(block.signature ? { signature: block.signature } : {}) });
        break;
      case 'redacted_thinking':
        if (typeof block.data !== 'string') throw new BadParam(`${p}.data must be a string`, `${p}.data`);
        parts.push({ type: 'reasoning', text: '', signature: REDACTED_PREFIX + block.data });
        break;
      default:
        // Server tool calls and results, MCP blocks, container uploads …: for an Anthropic target as sent.
        parts.push(opaqueBlock(block, p));
    }
  });
  return { role: 'assistant', content: parts };
}

/**
 * `messages`. A `role: "system"` message (mid-conversation system messages, which Claude Code
 * sends) becomes an IR `system` message; one before any user or assistant turn joins the system
 * prompt instead, after the top-level `system`.
 */
function parseMessages(raw: unknown, system: TextPart[]): Message[] {
  if (!Array.isArray(raw)) throw new BadParam(`messages must be an array, got ${describe(raw)}`, 'messages');
  if (raw.length === 0) throw new BadParam('messages must contain at least one message', 'messages');
  const messages: Message[] = [];
  const toolNames = new Map<string, string>();
  raw.forEach((message, i) => {
    const param = `messages[${i}]`;
    if (!isObject(message)) throw new BadParam(`${param} must be an object`, param);
    if (message.content === undefined || message.content === null) throw new BadParam(`${param}.content is required`, `${param}.content`);
    if (message.role === 'user') messages.push(...userTurn(message.content, `${param}.content`, toolNames));
    else if (message.role === 'assistant') messages.push(assistantTurn(message.content, `${param}.content`, toolNames));
    else if (message.role === 'system') {
      const content = parseSystem(message.content, `${param}.content`);
      if (messages.length === 0) system.push(...content);
      else messages.push({ role: 'system', content });
    } else throw new BadParam(`${param}.role ${JSON.stringify(message.role)} is not supported (user, assistant, system)`, `${param}.role`);
  });
  if (messages.length === 0) throw new BadParam('messages must contain at least one user or assistant message', 'messages');
  return messages;
}

function parseSystem(raw: unknown, param = 'system'): TextPart[] {
  if (raw === undefined || raw === null) return [];
  return blocksOf(raw, param).map((block, j) => {
    if (block.type !== 'text') throw unsupportedBlock(block, `${param}[${j}]`, 'text');
    return textBlock(block, `${param}[${j}]`);
  });
}

/** `tools`: client tools into the IR; server tools (a versioned `type`) kept as sent, for Anthropic targets only. */
function parseTools(raw: unknown, request: ChatRequest): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) throw new BadParam('tools must be an array', 'tools');
  const tools: ToolDefinition[] = [];
  const server: Json[] = [];
  raw.forEach((tool, i) => {
    const p = `tools[${i}]`;
    if (!isObject(tool)) throw new BadParam(`${p} must be an object`, p);
    // Server tools (web_search_…, code_execution_…, mcp_toolset …) have a versioned type and no input_schema.
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
      if (typeof tool.type !== 'string' || tool.type === '') throw new BadParam(`${p}.type must be a string`, `${p}.type`);
      server.push(tool);
      return;
    }
    if (typeof tool.name !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(tool.name)) throw new BadParam(`${p}.name must be 1-128 letters, digits, '_' or '-'`, `${p}.name`);
    if (!isObject(tool.input_schema)) throw new BadParam(`${p}.input_schema must be a JSON Schema object`, `${p}.input_schema`);
    if (tool.description !== undefined && typeof tool.description !== 'string') throw new BadParam(`${p}.description must be a string`, `${p}.description`);
    const strict = tool.strict;
    if (strict !== undefined && typeof strict !== 'boolean') throw new BadParam(`${p}.strict must be a boolean`, `${p}.strict`);
    tools.push({
      name: tool.name,
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      parameters: tool.input_schema,
      ...(strict !== undefined ? { strict } : {}),
    });
  });
  if (tools.length > 0 || server.length === 0) request.tools = tools;
  if (server.length > 0) request.providerTools = { dialect: 'anthropic', tools: server };
}

function parseToolChoice(raw: unknown, request: ChatRequest): void {
  if (raw === undefined || raw === null) return;
  if (!isObject(raw)) throw new BadParam('tool_choice must be an object', 'tool_choice');
  let choice: ToolChoice;
  if (raw.type === 'auto') choice = { type: 'auto' };
  else if (raw.type === 'any') choice = { type: 'required' };
  else if (raw.type === 'none') choice = { type: 'none' };
  else if (raw.type === 'tool') {
    if (typeof raw.name !== 'string' || raw.name === '') throw new BadParam('tool_choice.name must be a string', 'tool_choice.name');
    choice = { type: 'tool', name: raw.name };
  } else throw new BadParam(`tool_choice.type ${JSON.stringify(raw.type)} is not supported (auto, any, tool, none)`, 'tool_choice.type');
  request.toolChoice = choice;
  const disable = raw.disable_parallel_tool_use;
  if (disable !== undefined && typeof disable !== 'boolean') throw new BadParam('tool_choice.disable_parallel_tool_use must be a boolean', 'tool_choice.disable_parallel_tool_use');
  if (disable === true) request.parallelToolCalls = false;
}

/** `thinking`; returns true when the field has no IR form (it then goes to passthrough). */
function parseThinking(raw: unknown, request: ChatRequest): boolean {
  if (raw === undefined || raw === null) return false;
  if (!isObject(raw)) throw new BadParam('thinking must be an object', 'thinking');
  if (raw.type === 'enabled') {
    const budget = optionalNumber(raw, 'budget_tokens', { integer: true, min: 1 });
    if (budget === undefined) throw new BadParam('thinking.budget_tokens is required when thinking is enabled', 'thinking.budget_tokens');
    request.reasoning = { budgetTokens: budget };
    return false;
  }
  if (raw.type === 'disabled') return false;
  if (typeof raw.type === 'string') return true; // adaptive and newer modes: Anthropic upstreams only.
  throw new BadParam('thinking.type must be a string', 'thinking.type');
}

function parseStop(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return raw as string[];
  throw new BadParam('stop_sequences must be an array of strings', 'stop_sequences');
}

/** `count`: a count_tokens body, which has no max_tokens (1 stands in: nothing is generated). */
function build(body: unknown, count = false): ChatRequest {
  if (!isObject(body)) throw new BadParam('the request body must be a JSON object');
  if (typeof body.model !== 'string' || body.model === '') throw new BadParam('model: field required (a string)', 'model');
  if (body.messages === undefined) throw new BadParam('messages: field required', 'messages');
  if (!count && (body.max_tokens === undefined || body.max_tokens === null)) throw new BadParam('max_tokens: field required', 'max_tokens');
  const maxTokens = count ? 1 : optionalNumber(body, 'max_tokens', { integer: true, min: 1 })!;
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw new BadParam(`stream must be a boolean, got ${describe(body.stream)}`, 'stream');
  const system = parseSystem(body.system);
  const request: ChatRequest = {
    model: body.model,
    system,
    messages: parseMessages(body.messages, system),
    stream: body.stream === true,
    maxTokens,
  };
  const temperature = optionalNumber(body, 'temperature', { min: 0, max: 1 });
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', { min: 0, max: 1 });
  if (topP !== undefined) request.topP = topP;
  const topK = optionalNumber(body, 'top_k', { integer: true, min: 0 });
  if (topK !== undefined) request.topK = topK;
  const stop = parseStop(body.stop_sequences);
  if (stop) request.stop = stop;
  parseTools(body.tools, request);
  parseToolChoice(body.tool_choice, request);

  const passthrough: Json = {};
  if (parseThinking(body.thinking, request)) passthrough.thinking = body.thinking;
  for (const [key, value] of Object.entries(body)) if (!MODELLED.has(key)) passthrough[key] = value;
  if (Object.keys(passthrough).length > 0) request.passthrough = { dialect: 'anthropic', fields: passthrough };
  return request;
}

/** Parses a Messages request body into the IR, or a 400 naming the bad parameter. */
export function parseAnthropicRequest(body: unknown): ParseResult {
  try {
    return { ok: true, request: build(body) };
  } catch (error) {
    if (!(error instanceof BadParam)) throw error;
    const result: ClientError = clientError(400, 'invalid_request', error.message, error.param ? { param: error.param } : {});
    return { ok: false, error: result };
  }
}

/**
 * Parses a `POST /v1/messages/count_tokens` body. `model` and `messages` are required (400
 * otherwise); the rest is parsed into the IR when it can be, for targets that count from it
 * (Bedrock) and for the local estimate. An Anthropic target receives the client's own body, so
 * whatever the IR holds only as sent (server tools, opaque blocks) is counted there exactly.
 */
export function parseAnthropicCountRequest(body: unknown, beta: boolean): { ok: true; request: CountRequest } | { ok: false; error: ClientError } {
  if (!isObject(body)) return { ok: false, error: clientError(400, 'invalid_request', 'the request body must be a JSON object') };
  if (typeof body.model !== 'string' || body.model === '') return { ok: false, error: clientError(400, 'invalid_request', 'model: field required (a string)', { param: 'model' }) };
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { ok: false, error: clientError(400, 'invalid_request', 'messages: field required (a non-empty array)', { param: 'messages' }) };
  }
  let chat: ChatRequest | undefined;
  try {
    chat = build(body, true);
  } catch (error) {
    if (!(error instanceof BadParam)) throw error;
  }
  return { ok: true, request: { model: body.model, body, beta, ...(chat ? { chat } : {}) } };
}
