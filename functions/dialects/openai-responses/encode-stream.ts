import type { ClientError } from '../../ir/client-error.ts';
import type { ResponseMeta, StreamEncoder } from '../../ir/dialect.ts';
import type { FinishReason, Usage } from '../../ir/events.ts';
import type { EncryptedReasoning } from '../../ir/request.ts';
import { openAiErrorObject } from '../openai/render-error.ts';
import type { Json } from '../shared/request-fields.ts';
import { sse } from '../shared/sse.ts';
import { callItem, freeformNames, itemId, messageItem, outputText, reasoningItem, wantsEncryptedReasoning } from './output-items.ts';
import { writeReasoningToken } from './reasoning-token.ts';
import { responseObject } from './response-object.ts';
import { statusFromFinish } from './status.ts';

/**
 * Where a stream passed through unchanged stands (ir/lane.ts), for an encoder that writes after it
 * (`meta` then carries the upstream's response id, creation time and model): the next sequence
 * number, the output items done so far, and the message item still open with its text so far.
 */
export interface ResponsesResume {
  sequence: number;
  output: Json[];
  openMessage?: { index: number; id: string; text: string };
}

type OpenText = { kind: 'message' | 'reasoning'; index: number; id: string; text: string; summaryOpen?: boolean; signature?: string; encrypted?: EncryptedReasoning };
type OpenCall = { index: number; id: string; call: { id: string; name: string; arguments: string }; custom: boolean; closed: boolean };

/**
 * IR events → the Responses API's typed event stream, each event numbered by `sequence_number`:
 *
 * `response.created`, `response.in_progress`, then per output item `response.output_item.added` …
 * `response.output_item.done` — a message with one `output_text` part (`content_part.added`,
 * `output_text.delta`…, `output_text.done`, `content_part.done`), a reasoning item with one
 * summary part (`reasoning_summary_part.added`, `reasoning_summary_text.delta`…, `.done`), a
 * function call (`function_call_arguments.delta`…, `.done`) or a custom tool call (its raw input
 * in `custom_tool_call_input.delta`/`.done` once the call is whole: the IR carries it as JSON) —
 * and last `response.completed` or `response.incomplete` with the whole response and usage. The
 * terminal event waits for `end()` because some providers report usage after their finish.
 * After the commit a failure is an `error` event and `response.failed`: never a completion.
 */
export function createResponsesEncoder(meta: ResponseMeta, resume?: ResponsesResume): StreamEncoder {
  const custom = freeformNames(meta);
  const encryptedWanted = wantsEncryptedReasoning(meta);
  const output: Json[] = resume ? [...resume.output] : [];
  const calls = new Map<number, OpenCall>();
  let sequence = resume?.sequence ?? 0;
  let created = resume !== undefined;
  let current: OpenText | undefined = resume?.openMessage ? { kind: 'message', ...resume.openMessage } : undefined;
  let usage: Usage | undefined;
  let finish: FinishReason | undefined;

  const emit = (type: string, fields: Json): string => sse(JSON.stringify({ type, ...fields, sequence_number: sequence++ }), type);

  const begin = (): string => {
    if (created) return '';
    created = true;
    const response = responseObject(meta, { status: 'in_progress', output: [] });
    return emit('response.created', { response }) + emit('response.in_progress', { response });
  };

  const closeText = (): string => {
    const open = current;
    if (!open) return '';
    current = undefined;
    const at = { item_id: open.id, output_index: open.index };
    let text = '';
    if (open.kind === 'message') {
      text += emit('response.output_text.done', { ...at, content_index: 0, text: open.text, logprobs: [] });
      text += emit('response.content_part.done', { ...at, content_index: 0, part: outputText(open.text) });
      output[open.index] = messageItem(open.id, open.text, 'completed');
    } else {
      if (open.summaryOpen) {
        text += emit('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: open.text });
        text += emit('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: { type: 'summary_text', text: open.text } });
      }
      const token = encryptedWanted ? writeReasoningToken(open, meta.provider) : undefined;
      output[open.index] = reasoningItem(open.id, open.text, token);
    }
    return text + emit('response.output_item.done', { output_index: open.index, item: output[open.index]! });
  };

  const openText = (kind: OpenText['kind'], id: string): string => {
    // A signature closes its thinking block: reasoning after it is another block, another item.
    if (current?.kind === kind && !(kind === 'reasoning' && current.signature)) return '';
    let text = closeText();
    current = { kind, index: output.length, id, text: '' };
    output.push(kind === 'message' ? messageItem(id, '', 'in_progress') : reasoningItem(id, '', undefined));
    text += emit('response.output_item.added', { output_index: current.index, item: output[current.index]! });
    if (kind === 'message') text += emit('response.content_part.added', { item_id: id, output_index: current.index, content_index: 0, part: outputText('') });
    return text;
  };

  const closeCall = (call: OpenCall): string => {
    if (call.closed) return '';
    call.closed = true;
    const item = callItem(call.id, call.call, call.custom, 'completed', meta.request.tools);
    output[call.index] = item;
    const at = { item_id: call.id, output_index: call.index };
    let text = '';
    if (call.custom) {
      const input = item.input as string;
      if (input !== '') text += emit('response.custom_tool_call_input.delta', { ...at, delta: input });
      text += emit('response.custom_tool_call_input.done', { ...at, input });
    } else {
      text += emit('response.function_call_arguments.done', { ...at, name: item.name, arguments: item.arguments as string });
    }
    return text + emit('response.output_item.done', { output_index: call.index, item });
  };

  const closeAll = (): string => {
    let text = closeText();
    for (const call of calls.values()) text += closeCall(call);
    return text;
  };

  return {
    event(event) {
      switch (event.type) {
        case 'start':
          return begin();
        case 'text-delta': {
          if (event.text === '') return begin();
          const text = begin() + openText('message', itemId('msg'));
          current!.text += event.text;
          return text + emit('response.output_text.delta', { item_id: current!.id, output_index: current!.index, content_index: 0, delta: event.text, logprobs: [] });
        }
        case 'reasoning-delta': {
          if (event.text === '' && !event.signature && !event.encrypted) return begin();
          let text = begin() + openText('reasoning', event.encrypted?.itemId ?? itemId('rs'));
          const open = current!;
          if (event.signature) open.signature = (open.signature ?? '') + event.signature;
          if (event.encrypted) open.encrypted = event.encrypted;
          if (event.text === '') return text;
          const at = { item_id: open.id, output_index: open.index, summary_index: 0 };
          if (!open.summaryOpen) {
            open.summaryOpen = true;
            text += emit('response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } });
          }
          open.text += event.text;
          return text + emit('response.reasoning_summary_text.delta', { ...at, delta: event.text });
        }
        case 'tool-call-start': {
          const isCustom = custom.has(event.name);
          const call: OpenCall = { index: 0, id: itemId(isCustom ? 'ctc' : 'fc'), call: { id: event.id, name: event.name, arguments: '' }, custom: isCustom, closed: false };
          const text = begin() + closeText();
          call.index = output.length;
          calls.set(event.index, call);
          output.push(callItem(call.id, call.call, isCustom, 'in_progress', meta.request.tools));
          return text + emit('response.output_item.added', { output_index: call.index, item: output[call.index]! });
        }
        case 'tool-call-delta': {
          const call = calls.get(event.index);
          if (!call || call.closed || event.arguments === '') return '';
          call.call.arguments += event.arguments;
          // A custom tool's raw input is known only once its JSON envelope is whole (closeCall).
          if (call.custom) return '';
          return emit('response.function_call_arguments.delta', { item_id: call.id, output_index: call.index, delta: event.arguments });
        }
        case 'tool-call-end': {
          const call = calls.get(event.index);
          return call ? closeCall(call) : '';
        }
        case 'usage':
          usage = { ...usage, ...event.usage } as Usage;
          return '';
        case 'finish':
          finish = event.reason;
          return begin() + closeAll();
        default:
          // An error event is written by fail().
          return '';
      }
    },
    end() {
      const text = begin() + closeAll();
      const { status, incomplete } = statusFromFinish(finish ?? 'stop');
      const response = responseObject(meta, { status, output, ...(usage ? { usage } : {}), ...(incomplete ? { incomplete } : {}) });
      meta.onResponse?.(response);
      return text + emit(status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
    },
    fail(error: ClientError) {
      const wire = openAiErrorObject(error);
      const code = wire.code ?? (error.status === 429 ? 'rate_limit_exceeded' : 'server_error');
      const text = begin() + emit('error', { code, message: wire.message, param: wire.param });
      return text + emit('response.failed', { response: responseObject(meta, { status: 'failed', output, ...(usage ? { usage } : {}), error: { code, message: wire.message } }) });
    },
  };
}
