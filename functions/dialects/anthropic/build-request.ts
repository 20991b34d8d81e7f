import type { Failure } from '../../ir/failure.ts';
import type { ChatRequest } from '../../ir/request.ts';
import { historyToolStandIns } from '../shared/history-tools.ts';
import { thinkingBudget } from '../shared/reasoning-budget.ts';
import { buildMessages } from './build-messages.ts';
import { modelLimits } from './model-limits.ts';

/** The forced tool that carries a JSON-mode answer; its input is turned back into text. */
export const JSON_TOOL_NAME = 'json_answer';
/** Anthropic's smallest thinking budget. */
export const MIN_THINKING_BUDGET = 1024;

export type BuildResult = { ok: true; body: Record<string, unknown>; jsonToolName?: string } | { ok: false; failure: Failure };

function unsupported(message: string, param: string): BuildResult {
  return { ok: false, failure: { kind: 'unsupported', message, param } };
}

/**
 * `max_tokens` and `thinking`. max_tokens is the request's, or the model's default (Anthropic
 * requires the field), clamped to the model's maximum. With thinking on, max_tokens must exceed
 * budget_tokens: when it does not, the budget is added on top (the request's max_tokens then
 * counts the visible answer, as for an OpenAI client), within the model's maximum; when the
 * maximum leaves no room for both, the budget shrinks to half of max_tokens, and below the minimum
 * budget thinking is dropped.
 */
function tokens(request: ChatRequest, model: string, thinkingAllowed: boolean): { maxTokens: number; budget?: number } {
  const limits = modelLimits(model);
  const clamp = (n: number) => (limits.maxOutput !== undefined ? Math.min(n, limits.maxOutput) : n);
  let maxTokens = clamp(request.maxTokens ?? limits.defaultOutput);
  if (!request.reasoning || !thinkingAllowed) return { maxTokens };
  let budget = Math.max(MIN_THINKING_BUDGET, thinkingBudget(request.reasoning));
  if (maxTokens <= budget) maxTokens = clamp(budget + maxTokens);
  // Clamped below the budget: split the room, half thinking and half answer.
  if (budget >= maxTokens) budget = Math.floor(maxTokens / 2);
  return budget >= MIN_THINKING_BUDGET ? { maxTokens, budget } : { maxTokens };
}

/**
 * IR request → a Messages API body (always streamed). Notes on what changes on the way:
 * - temperature is clamped to Anthropic's 0..1 (never rescaled); top_p is dropped when a
 *   temperature is set (newer Claude models reject both); with thinking on, temperature, top_p
 *   and top_k are dropped (Anthropic rejects them with thinking).
 * - whitespace-only stop sequences are dropped (Anthropic rejects them).
 * - JSON mode (`json` / `json-schema`) is a tool (JSON_TOOL_NAME) whose input_schema is the
 *   schema, forced with tool_choice when the request has no tools of its own; the stream parser
 *   turns its input back into text. Forcing a tool is not allowed with thinking, so thinking is
 *   dropped whenever a tool is forced.
 * - `parallelToolCalls: false` → `disable_parallel_tool_use` (on an `auto` choice when none given).
 * - A history with tool calls but no tools declared gets stand-in tools (shared/history-tools.ts)
 *   with tool_choice "none".
 * - seed, includeUsage and other dialects' passthrough fields are dropped; passthrough fields of
 *   an Anthropic client are sent unchanged.
 */
export function buildAnthropicRequest(request: ChatRequest, model: string): BuildResult {
  const body: Record<string, unknown> = {};
  if (request.passthrough?.dialect === 'anthropic') Object.assign(body, request.passthrough.fields);

  const tools: Record<string, unknown>[] = (request.tools ?? []).map((tool) => ({
    name: tool.name,
    ...(tool.description ? { description: tool.description } : {}),
    input_schema: tool.parameters,
  }));
  // Server tools, as the client declared them (only an Anthropic client declares them).
  if (request.providerTools?.dialect === 'anthropic') tools.push(...request.providerTools.tools);
  let choice: Record<string, unknown> | undefined;
  const c = request.toolChoice;
  if (tools.length > 0 && c) choice = c.type === 'required' ? { type: 'any' } : c.type === 'tool' ? { type: 'tool', name: c.name } : { type: c.type };

  let jsonToolName: string | undefined;
  const format = request.responseFormat;
  if (format?.type === 'json' || format?.type === 'json-schema') {
    const schema = format.type === 'json-schema' ? format.schema : { type: 'object', additionalProperties: true };
    if (schema.type !== undefined && schema.type !== 'object') {
      return unsupported('a JSON answer schema must describe an object for Anthropic (it is sent as a tool input schema)', 'response_format');
    }
    jsonToolName = JSON_TOOL_NAME;
    const description = (format.type === 'json-schema' && format.description) || 'Respond with a JSON object.';
    if (tools.length === 0) choice = { type: 'tool', name: JSON_TOOL_NAME };
    tools.push({ name: JSON_TOOL_NAME, description, input_schema: { type: 'object', ...schema } });
  }
  const standIns = historyToolStandIns(request);
  if (standIns.length > 0) {
    // Anthropic rejects tool_use/tool_result history without tools; offered with choice "none".
    for (const tool of standIns) tools.push({ name: tool.name, description: tool.description, input_schema: tool.parameters });
    choice ??= { type: 'none' };
  }
  if (choice && request.parallelToolCalls === false && choice.type !== 'none') choice.disable_parallel_tool_use = true;
  else if (!choice && tools.length > 0 && request.parallelToolCalls === false) choice = { type: 'auto', disable_parallel_tool_use: true };

  const forced = choice?.type === 'any' || choice?.type === 'tool';
  const { maxTokens, budget } = tokens(request, model, !forced);

  body.model = model;
  body.max_tokens = maxTokens;
  body.messages = buildMessages(request.messages, model);
  const system = request.system.filter((p) => p.text !== '').map((p) => ({ type: 'text', text: p.text }));
  if (system.length > 0) body.system = system;
  if (budget !== undefined) body.thinking = { type: 'enabled', budget_tokens: budget };
  else {
    if (request.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, request.temperature));
    if (request.topP !== undefined && request.temperature === undefined) body.top_p = request.topP;
    if (request.topK !== undefined) body.top_k = request.topK;
  }
  const stop = (request.stop ?? []).filter((s) => s.trim() !== '');
  if (stop.length > 0) body.stop_sequences = stop;
  if (tools.length > 0) body.tools = tools;
  if (choice) body.tool_choice = choice;
  body.stream = true;
  return { ok: true, body, ...(jsonToolName ? { jsonToolName } : {}) };
}
