import type { Answer } from '../../ir/answer.ts';
import type { ResponseMeta } from '../../ir/dialect.ts';
import type { AnswerPart, ToolDefinition } from '../../ir/request.ts';
import type { Json } from '../shared/request-fields.ts';
import { writeReasoningToken } from './reasoning-token.ts';
import { callName, freeformInput } from './tools.ts';

/** An output item id with the API's prefix (`msg_`, `rs_`, `fc_`, `ctc_`). */
export function itemId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replace(/-/g, '')}`;
}

export function messageItem(id: string, text: string, status: 'in_progress' | 'completed'): Json {
  return { id, type: 'message', status, role: 'assistant', content: status === 'in_progress' ? [] : [outputText(text)] };
}

export function outputText(text: string): Json {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function reasoningItem(id: string, text: string, token: string | undefined): Json {
  return { id, type: 'reasoning', summary: text === '' ? [] : [{ type: 'summary_text', text }], ...(token !== undefined ? { encrypted_content: token } : {}) };
}

export function callItem(
  id: string,
  call: { id: string; name: string; arguments: string },
  custom: boolean,
  status: 'in_progress' | 'completed',
  tools?: ToolDefinition[],
): Json {
  const named = callName(call.name, tools);
  if (custom) return { id, type: 'custom_tool_call', status, call_id: call.id, ...named, input: status === 'completed' ? freeformInput(call.arguments) : '' };
  // A call without arguments still needs valid JSON: clients JSON.parse what they get.
  const args = status === 'completed' ? call.arguments || '{}' : '';
  return { id, type: 'function_call', status, arguments: args, call_id: call.id, ...named };
}

/** Names of the request's free-form tools: their calls are `custom_tool_call` items. */
export function freeformNames(meta: ResponseMeta): Set<string> {
  return new Set((meta.request.tools ?? []).filter((t) => t.freeform).map((t) => t.name));
}

/** Whether the client asked for encrypted reasoning (`include: ["reasoning.encrypted_content"]`). */
export function wantsEncryptedReasoning(meta: ResponseMeta): boolean {
  const include = meta.request.passthrough?.dialect === 'openai-responses' ? meta.request.passthrough.fields.include : undefined;
  return Array.isArray(include) && include.includes('reasoning.encrypted_content');
}

/** A whole answer's output items, in order: reasoning, message text, tool calls, as the parts came. */
export function outputItems(answer: Pick<Answer, 'content'>, meta: ResponseMeta): Json[] {
  const custom = freeformNames(meta);
  const encrypted = wantsEncryptedReasoning(meta);
  const items: Json[] = [];
  let text: string | undefined;
  const flush = () => {
    if (text !== undefined) items.push(messageItem(itemId('msg'), text, 'completed'));
    text = undefined;
  };
  for (const part of answer.content as AnswerPart[]) {
    if (part.type === 'text') {
      text = (text ?? '') + part.text;
      continue;
    }
    flush();
    if (part.type === 'reasoning') items.push(reasoningItem(part.encrypted?.itemId ?? itemId('rs'), part.text, encrypted ? writeReasoningToken(part, meta.provider) : undefined));
    else items.push(callItem(itemId(custom.has(part.name) ? 'ctc' : 'fc'), part, custom.has(part.name), 'completed', meta.request.tools));
  }
  flush();
  return items;
}
