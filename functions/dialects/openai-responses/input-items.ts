import type { AssistantPart, ImagePart, Message, TextPart, ToolResultPart, UserPart } from '../../ir/request.ts';
import { imageFromUrl } from '../shared/image-url.ts';
import { documentFromOpenAiFile } from '../shared/documents.ts';
import { BadParam, describe, isObject, type Json } from '../shared/request-fields.ts';
import { readReasoningToken } from './reasoning-token.ts';
import { irToolName } from './tools.ts';

/**
 * Item types of the Responses API's built-in tools (web search, file search, computer use, code
 * interpreter, image generation, local shell, MCP). They are the record of a tool the provider ran
 * itself: only a Responses target can take them back, so translation drops them (README).
 */
const BUILT_IN_ITEMS = new Set([
  'web_search_call',
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'code_interpreter_call',
  'image_generation_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_call',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
]);

export interface ParsedInput {
  system: TextPart[];
  messages: Message[];
}

function text(value: unknown, param: string): string {
  if (typeof value !== 'string') throw new BadParam(`${param} must be a string, got ${describe(value)}`, param);
  return value;
}

function imagePart(part: Json, p: string): ImagePart {
  if (typeof part.file_id === 'string' && part.image_url === undefined) {
    throw new BadParam(`${p}.file_id is not supported: the proxy has no file store; send image_url (an http(s) or data: URL)`, `${p}.file_id`);
  }
  const url = text(part.image_url, `${p}.image_url`);
  const image = imageFromUrl(url);
  if (image) return image;
  throw new BadParam(`${p}.image_url must be an http(s) URL or a base64 data: URL`, `${p}.image_url`);
}

/** Content of a user, system or developer message, or of a tool output: text and images. */
function inputParts(content: unknown, param: string): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new BadParam(`${param} must be a string or an array of content parts, got ${describe(content)}`, param);
  return content.map((part, j): UserPart => {
    const p = `${param}[${j}]`;
    if (!isObject(part)) throw new BadParam(`${p} must be an object`, p);
    switch (part.type) {
      case 'input_text':
      case 'output_text':
      case 'text':
        return { type: 'text', text: text(part.text, `${p}.text`) };
      case 'input_image':
        return imagePart(part, p);
      case 'input_file': {
        const document = documentFromOpenAiFile({ data: part.file_data, url: part.file_url, id: part.file_id, filename: part.filename });
        if (typeof document === 'string') throw new BadParam(`${p}: ${document}`, p);
        return document;
      }
      default:
        throw new BadParam(`content part type ${JSON.stringify(part.type)} is not supported here (input_text, input_image, input_file)`, `${p}.type`);
    }
  });
}

function textOnly(content: unknown, param: string): TextPart[] {
  return inputParts(content, param).map((part, j) => {
    if (part.type !== 'text') throw new BadParam(`${param}[${j}] must be text here`, `${param}[${j}]`);
    return part;
  });
}

/** An assistant message's content: output_text and refusal parts (or a plain string). */
function assistantParts(content: unknown, param: string): AssistantPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new BadParam(`${param} must be a string or an array of content parts, got ${describe(content)}`, param);
  return content.flatMap((part, j): AssistantPart[] => {
    const p = `${param}[${j}]`;
    if (!isObject(part)) throw new BadParam(`${p} must be an object`, p);
    if (part.type === 'output_text' || part.type === 'input_text' || part.type === 'text') {
      const value = text(part.text, `${p}.text`);
      return value === '' ? [] : [{ type: 'text', text: value }];
    }
    if (part.type === 'refusal') return [{ type: 'text', text: text(part.refusal, `${p}.refusal`) }];
    throw new BadParam(`assistant content part type ${JSON.stringify(part.type)} is not supported (output_text, refusal)`, `${p}.type`);
  });
}

function toolOutput(output: unknown, param: string): ToolResultPart[] {
  if (typeof output === 'string') return output === '' ? [] : [{ type: 'text', text: output }];
  return inputParts(output, param);
}

function callId(item: Json, param: string): string {
  const id = item.call_id;
  if (typeof id !== 'string' || id === '') throw new BadParam(`${param}.call_id must be a non-empty string`, `${param}.call_id`);
  return id;
}

/**
 * The Responses `input` → IR system and messages. A string is one user message. Items in order:
 * `system`/`developer` messages before the first turn are the system prompt, later ones stay in
 * place (as for Chat Completions); consecutive assistant-side items (an assistant
 * message, reasoning, function and custom tool calls) form one assistant turn; each tool output
 * is a tool message. A custom (free-form) tool call's raw input travels as `{"input": …}`.
 */
export function parseInput(raw: unknown): ParsedInput {
  if (typeof raw === 'string') return { system: [], messages: [{ role: 'user', content: [{ type: 'text', text: raw }] }] };
  if (!Array.isArray(raw)) throw new BadParam(`input must be a string or an array of items, got ${describe(raw)}`, 'input');
  const result: ParsedInput = { system: [], messages: [] };
  const toolNames = new Map<string, string>();
  let turn: AssistantPart[] | undefined;
  const assistant = (): AssistantPart[] => {
    if (!turn) {
      turn = [];
      result.messages.push({ role: 'assistant', content: turn });
    }
    return turn;
  };

  raw.forEach((item, i) => {
    const param = `input[${i}]`;
    if (!isObject(item)) throw new BadParam(`${param} must be an object`, param);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const role = item.role;
        if (role === 'assistant') {
          assistant().push(...assistantParts(item.content, `${param}.content`));
          return;
        }
        turn = undefined;
        if (role === 'system' || role === 'developer') {
          // Before the first turn: the system prompt. After it: an instruction given at that point,
          // kept there (each provider dialect decides how its target takes it).
          const content = textOnly(item.content, `${param}.content`);
          if (result.messages.length === 0) result.system.push(...content);
          else result.messages.push({ role: 'system', content, ...(role === 'developer' ? { developer: true } : {}) });
        }
        else if (role === 'user') result.messages.push({ role: 'user', content: inputParts(item.content, `${param}.content`) });
        else throw new BadParam(`${param}.role ${JSON.stringify(role)} is not supported (user, assistant, system, developer)`, `${param}.role`);
        return;
      }
      case 'function_call': {
        const id = callId(item, param);
        const name = irToolName(text(item.name, `${param}.name`), item.namespace);
        toolNames.set(id, name);
        assistant().push({ type: 'tool-call', id, name, arguments: text(item.arguments, `${param}.arguments`) });
        return;
      }
      case 'custom_tool_call': {
        const id = callId(item, param);
        const name = irToolName(text(item.name, `${param}.name`), item.namespace);
        toolNames.set(id, name);
        assistant().push({ type: 'tool-call', id, name, arguments: JSON.stringify({ input: text(item.input, `${param}.input`) }) });
        return;
      }
      case 'reasoning': {
        const summary = Array.isArray(item.summary) ? item.summary : [];
        const said = summary.flatMap((s) => (isObject(s) && typeof s.text === 'string' ? [s.text] : [])).join('\n\n');
        const token = typeof item.encrypted_content === 'string' && item.encrypted_content !== '' ? item.encrypted_content : undefined;
        const id = typeof item.id === 'string' ? item.id : undefined;
        if (said === '' && !token) return;
        assistant().push({ type: 'reasoning', text: said, ...(token ? readReasoningToken(token, id) : {}) });
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        turn = undefined;
        const id = callId(item, param);
        const name = toolNames.get(id);
        result.messages.push({ role: 'tool', toolCallId: id, ...(name ? { toolName: name } : {}), content: toolOutput(item.output, `${param}.output`) });
        return;
      }
      case 'item_reference':
        // The proxy rebuilds the input for each target: a reference to an item stored at one provider cannot travel.
        throw new BadParam(`${param}: item_reference is not supported; send the item itself (or use previous_response_id)`, `${param}.type`);
      default:
        if (typeof type === 'string' && BUILT_IN_ITEMS.has(type)) return;
        throw new BadParam(`${param}.type ${JSON.stringify(type)} is not supported`, `${param}.type`);
    }
  });
  return result;
}
