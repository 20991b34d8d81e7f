import type { Behavior, SeenRequest } from '../support/fake-provider.ts';
import { openaiError } from '../support/fake-provider.ts';
import { fixture, sseFixture } from '../translation/upstreams.ts';

/**
 * What the fake providers answer in the client suites: a text turn, or a get_weather call for
 * Oslo while the conversation holds no tool result yet — in each provider's own wire format.
 */

const data = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;

/** OpenAI Chat Completions frames of one get_weather call (arguments in two pieces), with usage. */
export function openaiToolFrames(): string[] {
  const base = { id: 'chatcmpl-tool', object: 'chat.completion.chunk', created: 1767000000, model: 'gpt-4.1' };
  const choice = (delta: unknown, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  return [
    data(choice({ role: 'assistant', content: null })),
    data(choice({ tool_calls: [{ index: 0, id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '' } }] })),
    data(choice({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Os' } }] })),
    data(choice({ tool_calls: [{ index: 0, function: { arguments: 'lo"}' } }] })),
    data(choice({}, 'tool_calls')),
    data({ ...base, choices: [], usage: { prompt_tokens: 64, completion_tokens: 12, total_tokens: 76 } }),
    'data: [DONE]\n\n',
  ];
}

/** Whether a request body (any dialect) already carries the result of a tool call. */
export function carriesToolResult(request: SeenRequest): boolean {
  const text = JSON.stringify(request.body ?? '');
  return text.includes('"tool_result"') || text.includes('"role":"tool"') || text.includes('"function_call_output"');
}

/** An OpenAI-dialect provider: a get_weather call first, text once the result is back. */
export function openaiToolThenText(request: SeenRequest): Behavior {
  return { kind: 'sse', frames: carriesToolResult(request) ? [fixture('openai', 'text')] : openaiToolFrames() };
}

/** An Anthropic provider: the recorded tool-use stream first (get_weather, Oslo), text once the result is back. */
export function anthropicToolThenText(request: SeenRequest): Behavior {
  return sseFixture('anthropic', carriesToolResult(request) ? 'text' : 'tool-use');
}

/** A provider fault that sends every client on to the next target. */
export const unavailable: Behavior = openaiError(503, 'upstream unavailable', 'server_error');

/** The weather tool's answer in the client suites. */
export const OSLO_WEATHER = '-3 °C, snow';

/** OpenAI Responses API frames of one get_weather call for Oslo (arguments in two pieces), with usage. */
export function responsesToolFrames(): string[] {
  let seq = 0;
  const ev = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload, sequence_number: seq++ })}\n\n`;
  const base = { id: 'resp_tool1', object: 'response', created_at: 1767000000, model: 'gpt-5-2025-08-07', error: null, incomplete_details: null, tools: [], parallel_tool_calls: true };
  const started = { id: 'fc_r1', type: 'function_call', status: 'in_progress', call_id: 'call_r1', name: 'get_weather', arguments: '' };
  const done = { ...started, status: 'completed', arguments: '{"city":"Oslo"}' };
  return [
    ev('response.created', { response: { ...base, status: 'in_progress', output: [], usage: null } }),
    ev('response.in_progress', { response: { ...base, status: 'in_progress', output: [], usage: null } }),
    ev('response.output_item.added', { output_index: 0, item: started }),
    ev('response.function_call_arguments.delta', { item_id: 'fc_r1', output_index: 0, delta: '{"city":"Os' }),
    ev('response.function_call_arguments.delta', { item_id: 'fc_r1', output_index: 0, delta: 'lo"}' }),
    ev('response.function_call_arguments.done', { item_id: 'fc_r1', output_index: 0, arguments: '{"city":"Oslo"}' }),
    ev('response.output_item.done', { output_index: 0, item: done }),
    ev('response.completed', {
      response: { ...base, status: 'completed', output: [done], usage: { input_tokens: 64, input_tokens_details: { cached_tokens: 0 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 76 } },
    }),
  ];
}
