import type { ResponseMeta, StreamEncoder, TargetCall } from '../../ir/dialect.ts';
import type { LaneSent, LaneSignal, LaneTracker } from '../../ir/lane.ts';
import { LaneText, stringField } from '../shared/lane-text.ts';
import { createOpenAiEncoder } from './encode-stream.ts';
import type { ChatRequest } from '../../ir/request.ts';
import { historyToolStandIns } from '../shared/history-tools.ts';
import { isObject, parseJsonObject, type Json } from '../shared/request-fields.ts';
import { streamFailure } from './errors.ts';
import { finishFromOpenAi } from './finish-reason.ts';
import { usageFromOpenAi } from './usage.ts';

/**
 * What the pass-through lane needs from Chat Completions when client and target both speak it:
 * the proxy's own edits of the client's body, and a light reading of the upstream's chunks (the
 * bytes themselves go to the client unchanged). JSON is parsed only for the few chunks that end
 * the answer, carry usage or report an error; content is found by a pattern.
 */

/** A delta with text, reasoning, a refusal or tool-call arguments, or the start of a tool call. */
const CONTENT = /"(?:content|reasoning_content|reasoning|refusal|arguments)"\s*:\s*"[^"]|"tool_calls"\s*:\s*\[\s*\{/;
const FINISH = /"finish_reason"\s*:\s*"/;
const USAGE = /"usage"\s*:\s*\{/;
/** An error object in the chunk (OpenRouter puts it beside `choices`); a string's quotes are escaped, so text cannot match. */
const ERROR = /"error"\s*:\s*\{/;

/** Finish reasons that mean the provider failed (DeepSeek, OpenRouter), as the IR parser reads them. */
const ERROR_FINISH = new Set(['error', 'insufficient_system_resource']);

export function scanChatCompletionsEvent(event: string, data: string): LaneSignal | undefined {
  if (data === '[DONE]') return { type: 'end' };
  if (ERROR.test(data) || event === 'error' || /"object"\s*:\s*"error"/.test(data)) {
    const parsed = parseJsonObject(data);
    const error = isObject(parsed?.error) ? parsed.error : {};
    return {
      type: 'failure',
      failure: streamFailure({
        message: typeof error.message === 'string' ? error.message : 'the provider reported an error mid-stream',
        ...(typeof error.type === 'string' ? { type: error.type } : {}),
        ...(typeof error.code === 'string' ? { code: error.code } : {}),
        ...(typeof error.code === 'number' ? { status: error.code } : {}),
      }),
    };
  }
  const finish = FINISH.test(data);
  const usage = USAGE.test(data) && !/"usage"\s*:\s*null/.test(data);
  if (!finish && !usage) return CONTENT.test(data) ? { type: 'content' } : undefined;
  const chunk = parseJsonObject(data);
  // Groq reports usage under x_groq.
  const rawUsage = isObject(chunk?.usage) ? chunk.usage : isObject(chunk?.x_groq) && isObject(chunk.x_groq.usage) ? chunk.x_groq.usage : undefined;
  const usageRead = usage && rawUsage ? usageFromOpenAi(rawUsage) : undefined;
  const choice = Array.isArray(chunk?.choices) && isObject(chunk.choices[0]) ? chunk.choices[0] : undefined;
  if (finish && typeof choice?.finish_reason === 'string' && ERROR_FINISH.has(choice.finish_reason)) {
    return { type: 'failure', failure: { kind: 'server', message: `the provider stopped with finish_reason "${choice.finish_reason}"`, providerCode: choice.finish_reason } };
  }
  if (finish && typeof choice?.finish_reason === 'string') {
    const delta = isObject(choice.delta) ? choice.delta : {};
    return {
      type: 'terminal',
      reason: finishFromOpenAi(choice.finish_reason, Array.isArray(delta.tool_calls)),
      // Vendors that send whole calls (Mistral) put the content and the finish in one chunk.
      ...(CONTENT.test(data) ? { content: true as const } : {}),
      ...(usageRead ? { usage: usageRead } : {}),
    };
  }
  if (usageRead) return { type: 'usage', usage: usageRead };
  return CONTENT.test(data) ? { type: 'content' } : undefined;
}

/**
 * The proxy's own edits of a Chat Completions client's body for a Chat Completions target on the
 * pass-through lane: the model name, and — for a streamed request — `stream_options.include_usage`,
 * so the request record has the usage (the client then also receives the usage chunk it did not
 * ask for; SDKs ignore it). Everything else goes as the client sent it; the input is untouched.
 */
export function chatCompletionsPassThroughBody(body: Json, target: { model: string }): Json {
  const out: Json = { ...body, model: target.model };
  if (body.stream === true) out.stream_options = { ...(isObject(body.stream_options) ? body.stream_options : {}), include_usage: true };
  return out;
}

/**
 * Kinds that take a Chat Completions client's body as sent. Azure OpenAI is OpenAI's API (it
 * rejects an argument it does not know, but the IR build forwards the client's extra fields to it
 * too, and as sent it keeps the client's own `max_tokens`, which older deployments need); OpenRouter
 * takes OpenAI's schema with its own extensions (`cache_control` in content parts, `provider`,
 * `reasoning` …), which only the client's body carries. The others get the IR build: Groq answers
 * 400 to `messages[].name`, Mistral to any field it does not know, DeepSeek and the
 * self-hosted servers take no `developer` role or mid-conversation system turn (README).
 */
const FORWARDED_KINDS = new Set(['openai', 'azure-openai', 'openrouter']);

/**
 * The Chat Completions body a target of FORWARDED_KINDS receives for a Chat Completions client: the
 * client's own (developer messages, service_tier, prediction, reasoning_effort, content-part
 * extensions, future fields as sent), with the model replaced and the upstream streamed with usage.
 * OpenRouter serves models behind chat templates: a request the IR build repairs for it (a
 * mid-conversation system message, tool history without tools) is built from the IR instead.
 */
export function forwardedChatBody(request: ChatRequest, target: TargetCall): Json | undefined {
  const original = request.original;
  if (original?.dialect !== 'openai' || !FORWARDED_KINDS.has(target.provider.kind)) return undefined;
  if (target.provider.kind === 'openrouter' && (request.messages.some((m) => m.role === 'system') || historyToolStandIns(request).length > 0)) return undefined;
  return chatCompletionsPassThroughBody({ ...original.body, stream: true }, target);
}

const CONTENT_FIELD = stringField('content');
const REASONING = /"(?:reasoning_content|reasoning)"\s*:\s*"[^"]/;
const TOOL_CALLS = /"tool_calls"\s*:\s*\[\s*\{/;

/**
 * Follows a Chat Completions stream passed through unchanged (ir/lane.ts): the first chunk's id,
 * creation time and model (a continuation's chunks carry the same; the role chunk is not
 * repeated), the text sent, and whether a tool call came. Only the first chunk is parsed.
 */
export class ChatLaneTracker implements LaneTracker {
  private readonly text = new LaneText();
  private head: { id?: string; created?: number; model?: string } | undefined;
  private last: 'text' | 'other' | undefined;
  private blocked = false;

  see(_event: string, data: string): void {
    if (data === '[DONE]') return;
    if (!this.head) {
      const chunk = parseJsonObject(data) ?? {};
      this.head = {
        ...(typeof chunk.id === 'string' ? { id: chunk.id } : {}),
        ...(typeof chunk.created === 'number' ? { created: chunk.created } : {}),
        ...(typeof chunk.model === 'string' ? { model: chunk.model } : {}),
      };
    }
    const literal = CONTENT_FIELD.exec(data)?.[1];
    if (literal) {
      this.text.push(literal);
      this.last = 'text';
    }
    if (REASONING.test(data)) this.last = 'other';
    if (TOOL_CALLS.test(data)) this.blocked = true;
  }

  sent(): LaneSent {
    return { text: this.text.text(), continuable: this.last === 'text' && !this.blocked && !this.text.empty };
  }

  encoder(meta: ResponseMeta): StreamEncoder {
    const head = this.head ?? {};
    return createOpenAiEncoder({ ...meta, id: head.id ?? meta.id, created: head.created ?? meta.created, model: head.model ?? meta.model }, { roleSent: this.head !== undefined });
  }
}
