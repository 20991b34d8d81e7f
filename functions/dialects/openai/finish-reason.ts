import type { FinishReason } from '../../ir/events.ts';

/** The finish reasons an OpenAI client accepts. */
export type OpenAiFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/**
 * Upstream `finish_reason` → IR. Vendor spellings: Mistral `model_length`, Together `eos`. A `stop`
 * after tool calls (some compatible servers never say `tool_calls`) is reported as `tool-calls`, so
 * clients run the tools. Anything unknown is `other` (the caller keeps the raw value).
 */
export function finishFromOpenAi(reason: string, hadToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'stop':
    case 'eos':
    case 'end_turn':
      return hadToolCalls ? 'tool-calls' : 'stop';
    case 'length':
    case 'model_length':
    case 'max_tokens':
      return 'length';
    case 'tool_calls':
    case 'function_call':
    case 'tool_use':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

/**
 * IR → the client's `finish_reason`. OpenAI cannot say "stop sequence" or "other": both become
 * `stop`, the closest value every SDK accepts.
 */
export function finishToOpenAi(reason: FinishReason): OpenAiFinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool-calls':
      return 'tool_calls';
    case 'content-filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}
