import type { ChatRequest, DocumentPart } from '../../ir/request.ts';

/**
 * A cheap token estimate, for when no provider count is at hand: no tokenizer (a real one weighs
 * megabytes, and each model family has its own). Rules of thumb of BPE tokenizers: about 4
 * characters per token for English prose and code, about one token per character for CJK and
 * other non-Latin text. Expect ±20–30 % on prose and worse on unusual text; never use it for
 * billing.
 */
export function estimateTextTokens(text: string): number {
  if (text === '') return 0;
  // UTF-8 bytes beyond one per character ≈ 1.5 per non-ASCII character; native and O(1) per call site.
  const nonAscii = Math.round((Buffer.byteLength(text, 'utf8') - text.length) / 1.5);
  return Math.ceil((text.length - nonAscii) / 4 + nonAscii);
}

/** Tokens a typical image costs (Anthropic: about width × height / 750; 1092 × 1092 ≈ 1590). */
const IMAGE_TOKENS = 1600;
/**
 * Tokens a PDF, a document URL or a provider's file is taken to cost: the bytes say little (a page
 * costs 1500–3000 tokens, text and image alike), so one page's worth, an estimate that rather
 * errs low (routing skips a target for its window only on a sure excess).
 */
export const DOCUMENT_TOKENS = 1600;

function documentTokens(part: DocumentPart): number {
  const source = part.source;
  if (source.type === 'text') return estimateTextTokens(source.text);
  if (source.type !== 'content') return DOCUMENT_TOKENS;
  let tokens = 0;
  for (const p of source.parts) tokens += p.type === 'text' ? estimateTextTokens(p.text) : IMAGE_TOKENS;
  return tokens;
}

/** Role markers and separators around each message. */
const MESSAGE_OVERHEAD = 4;
/** The tool-use instructions providers add when tools are offered, and per-tool framing. */
const TOOLS_OVERHEAD = 300;
const TOOL_OVERHEAD = 10;

/** The estimated input tokens of a canonical request: system, messages and tool definitions. */
export function estimateInputTokens(request: ChatRequest): number {
  let tokens = 0;
  for (const part of request.system) tokens += estimateTextTokens(part.text);
  for (const message of request.messages) {
    tokens += MESSAGE_OVERHEAD;
    for (const part of message.content) {
      if (part.type === 'text') tokens += estimateTextTokens(part.text);
      else if (part.type === 'image') tokens += IMAGE_TOKENS;
      else if (part.type === 'tool-call') tokens += TOOL_OVERHEAD + estimateTextTokens(part.name) + estimateTextTokens(part.arguments);
      else if (part.type === 'reasoning') tokens += estimateTextTokens(part.text);
      else if (part.type === 'opaque') tokens += estimateTextTokens(part.text ?? JSON.stringify(part.block));
      else tokens += documentTokens(part);
    }
  }
  const tools = request.tools ?? [];
  if (tools.length > 0) tokens += TOOLS_OVERHEAD;
  for (const tool of tools) {
    tokens += TOOL_OVERHEAD + estimateTextTokens(tool.name) + estimateTextTokens(tool.description ?? '') + estimateTextTokens(JSON.stringify(tool.parameters));
  }
  return Math.max(1, tokens);
}
