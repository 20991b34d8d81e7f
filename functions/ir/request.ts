/**
 * The canonical request (IR). Every ingress dialect parses into it and every provider dialect
 * builds its upstream request from it: N + M converters instead of N × M.
 */

/**
 * A wire format. `openai-responses` is OpenAI's Responses API (`/v1/responses`): the same vendor as
 * `openai` (Chat Completions) but another API, so another dialect on both sides.
 */
export type DialectName = 'openai' | 'openai-responses' | 'anthropic' | 'bedrock' | 'gemini';

export interface TextPart {
  type: 'text';
  text: string;
  /**
   * Anthropic citations on an assistant text block of the history (where the text came from in the
   * documents given): sent back to an Anthropic target as they came; other targets get the text alone.
   */
  citations?: Record<string, unknown>[];
}

export interface ImagePart {
  type: 'image';
  source: { type: 'base64'; mediaType: string; data: string } | { type: 'url'; url: string };
}

export interface ToolCallPart {
  type: 'tool-call';
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the model produced them (may be invalid JSON). */
  arguments: string;
}

export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  /** Anthropic's thinking signature; only meaningful when sent back to the same provider kind. */
  signature?: string;
  /**
   * A Responses API reasoning item's `encrypted_content` (and its item id): opaque, readable only by
   * the provider that issued it. `issuer` names that provider when the proxy knows it; a Responses
   * target sends it back only when it is that issuer (or the issuer is unknown), others drop it.
   */
  encrypted?: EncryptedReasoning;
}

export interface EncryptedReasoning {
  data: string;
  itemId?: string;
  issuer?: string;
}

/**
 * A document the user gives the model: a PDF (bytes, or a URL the provider must fetch), plain text,
 * content blocks (Anthropic's `content` source), or a file a provider holds (`fileId`, meaningful
 * only at the provider that issued it). Each target takes the forms it can and refuses the others
 * (dialects/shared/documents.ts); routing skips a target that cannot take one (core/routing).
 */
export interface DocumentPart {
  type: 'document';
  source:
    | { type: 'base64'; mediaType: string; data: string }
    | { type: 'text'; text: string }
    | { type: 'url'; url: string }
    | { type: 'content'; parts: (TextPart | ImagePart)[] }
    | { type: 'file'; fileId: string; issuer: 'anthropic' | 'openai' };
  /** Anthropic's `title`, OpenAI's `filename`. */
  title?: string;
  /** Anthropic's `context`: what the document is, for the model (not cited). */
  context?: string;
  /** The client asked for citations into it (Anthropic only; other targets answer without them). */
  citations?: boolean;
}

/**
 * A content block of one provider's API that the IR does not model (Anthropic's server tool calls
 * and results, MCP blocks, `search_result`, `container_upload`, block types yet to come), kept as
 * sent: a target of that provider receives it unchanged. `text` is what a target of another
 * dialect receives in its place when the block has a faithful text form (a search result);
 * without it, no other target can serve the request (routing skips them; dialects/shared/documents.ts).
 */
export interface OpaquePart {
  type: 'opaque';
  /** The dialect whose API defines the block. */
  dialect: DialectName;
  block: Record<string, unknown>;
  text?: string;
}

export type UserPart = TextPart | ImagePart | DocumentPart | OpaquePart;
/** What a model's answer holds (ir/answer.ts). */
export type AnswerPart = TextPart | ToolCallPart | ReasoningPart;
/** An assistant turn of the history: an answer's parts, and blocks of the client's API kept as sent. */
export type AssistantPart = AnswerPart | OpaquePart;
export type ToolResultPart = TextPart | ImagePart | DocumentPart | OpaquePart;

export type Message =
  | { role: 'user'; content: UserPart[] }
  /**
   * An instruction given mid-conversation (after the first user or assistant turn): OpenAI's
   * `system`/`developer` messages, Anthropic's `role: "system"` messages. Instructions before the
   * first turn are `ChatRequest.system`. Targets that have no such turn receive it folded into the
   * user turn where it was given (dialects/shared/system-notes.ts).
   */
  | { role: 'system'; content: TextPart[]; developer?: boolean }
  | { role: 'assistant'; content: AssistantPart[] }
  | {
      role: 'tool';
      toolCallId: string;
      /** Name of the called tool, when the history names it (Gemini needs it). */
      toolName?: string;
      content: ToolResultPart[];
      isError?: boolean;
    };

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: Record<string, unknown>;
  strict?: boolean;
  /**
   * A free-form tool (the Responses API's `custom` tool): its input is raw text, not JSON. In the IR
   * it is a function taking `{"input": string}` (FREEFORM_PARAMETERS), so every dialect can carry it;
   * a Responses target gets it back as a custom tool with its `format` (text or a grammar) and its
   * own `description`; the IR `description` also tells other targets the grammar.
   */
  freeform?: { format?: Record<string, unknown>; description?: string };
  /**
   * A tool of a Responses API `namespace` group. The IR name is `<namespace>__<tool>` (a name every
   * provider accepts); a Responses client and target see the group and the short name again.
   */
  namespace?: { name: string; description?: string; tool: string };
}

/** The arguments schema of a free-form tool in the IR: its raw input as one string. */
export const FREEFORM_PARAMETERS: Record<string, unknown> = Object.freeze({
  type: 'object',
  properties: { input: { type: 'string', description: 'The raw input text.' } },
  required: ['input'],
  additionalProperties: false,
});

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | { type: 'json-schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean };

export interface ChatRequest {
  /** The alias the client asked for (never an upstream model name). */
  model: string;
  /** System and developer instructions given before the first turn, in order (later ones are `system` messages). */
  system: TextPart[];
  messages: Message[];
  /** Whether the client wants a stream. Upstream is always streamed; see the attempt loop. */
  stream: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  tools?: ToolDefinition[];
  /**
   * Tools a provider defines and runs itself (Anthropic's web search, code execution, MCP toolsets
   * …), as the client declared them: a target of that dialect receives them unchanged; no other
   * target can run them, so routing leaves those targets out (dialects/shared/documents.ts).
   */
  providerTools?: { dialect: DialectName; tools: Record<string, unknown>[] };
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  reasoning?: { effort?: 'minimal' | 'low' | 'medium' | 'high'; budgetTokens?: number };
  /** OpenAI `stream_options.include_usage`: the client wants a usage chunk at the end. */
  includeUsage?: boolean;
  /**
   * Fields of the client's dialect that the IR does not model (logprobs, metadata, …). A provider
   * of the same dialect sends them on unchanged; any other provider ignores them (the README lists
   * what is dropped).
   */
  passthrough?: { dialect: DialectName; fields: Record<string, unknown> };
  /**
   * The client's own JSON body. A first-party target of the client's own API (OpenAI for Chat
   * Completions and Responses, Anthropic for Messages) receives it as sent, with only the proxy's
   * edits (the model, an upstream stream), so prompt-cache marks, tool flags and fields the IR does
   * not model survive; every other target builds its request from the IR above.
   */
  original?: { dialect: DialectName; body: Record<string, unknown> };
}
