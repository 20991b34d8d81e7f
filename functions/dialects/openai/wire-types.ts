/**
 * The OpenAI Chat Completions wire shapes this dialect reads. Only the fields we use are typed, all
 * optional: upstream bodies come from many OpenAI-compatible vendors and are checked at runtime.
 */

export interface OpenAiErrorObject {
  message?: unknown;
  type?: unknown;
  /** A string for OpenAI, a number for OpenRouter. */
  code?: unknown;
  param?: unknown;
}

/** An error body: `{error:{…}}` (OpenAI, Groq, OpenRouter) or top-level (Mistral, vLLM `object:'error'`). */
export interface OpenAiErrorBody extends OpenAiErrorObject {
  error?: OpenAiErrorObject | string;
  object?: unknown;
  detail?: unknown;
}

export interface OpenAiChunkToolCall {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface OpenAiUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
  /** DeepSeek's cache counters. */
  prompt_cache_hit_tokens?: number;
}

export interface OpenAiChunk {
  id?: string;
  object?: string;
  model?: string;
  choices?: {
    index?: number;
    delta?: {
      role?: string;
      content?: string | null;
      refusal?: string | null;
      /** DeepSeek, xAI, vLLM (older). */
      reasoning_content?: string | null;
      /** OpenRouter, vLLM (newer), Groq with reasoning_format=parsed. */
      reasoning?: string | null;
      tool_calls?: OpenAiChunkToolCall[] | null;
    } | null;
    finish_reason?: string | null;
  }[];
  usage?: OpenAiUsage | null;
  /** Groq puts the stream's usage here on the last chunk. */
  x_groq?: { usage?: OpenAiUsage };
  error?: OpenAiErrorObject | string;
  message?: unknown;
}
