import type { DocumentPart, ImagePart, Message, TextPart, ToolResultPart, UserPart } from '../../ir/request.ts';
import { foldSystemMessages } from '../shared/system-notes.ts';
import { toolInput } from './content-blocks.ts';
import { redactedData } from '../shared/redacted-thinking.ts';
import { takesSystemTurns } from './system-turns.ts';

/** A request content block, as Anthropic accepts it. */
export type RequestBlock = Record<string, unknown> & { type: string };
export interface AnthropicMessage {
  role: 'user' | 'assistant' | 'system';
  content: RequestBlock[];
}

/**
 * The user turn inserted when the history does not start with one (it starts with an assistant
 * turn, or has no turn at all). Bedrock and older Anthropic API versions reject an assistant-first
 * history; LiteLLM inserts the same minimal text.
 */
export const PLACEHOLDER_USER_TEXT = '.';

function image(part: ImagePart): RequestBlock {
  const source = part.source;
  // Anthropic accepts both forms natively: bytes, or a URL it fetches itself.
  return source.type === 'base64'
    ? { type: 'image', source: { type: 'base64', media_type: source.mediaType, data: source.data } }
    : { type: 'image', source: { type: 'url', url: source.url } };
}

function text(part: TextPart): RequestBlock {
  return part.citations ? { type: 'text', text: part.text, citations: part.citations } : { type: 'text', text: part.text };
}

function documentSource(source: DocumentPart['source']): Record<string, unknown> {
  switch (source.type) {
    case 'base64':
      return { type: 'base64', media_type: source.mediaType, data: source.data };
    case 'text':
      return { type: 'text', media_type: 'text/plain', data: source.text };
    case 'url':
      return { type: 'url', url: source.url };
    case 'content':
      return { type: 'content', content: source.parts.map((p) => (p.type === 'image' ? image(p) : text(p))) };
    case 'file':
      return { type: 'file', file_id: source.fileId };
  }
}

function document(part: DocumentPart): RequestBlock {
  return {
    type: 'document',
    source: documentSource(part.source),
    ...(part.title !== undefined ? { title: part.title } : {}),
    ...(part.context !== undefined ? { context: part.context } : {}),
    ...(part.citations ? { citations: { enabled: true } } : {}),
  };
}

/** A user-side part → its block; undefined for an empty text (Anthropic rejects those). */
function userBlock(part: UserPart | ToolResultPart): RequestBlock | undefined {
  switch (part.type) {
    case 'image':
      return image(part);
    case 'document':
      return document(part);
    case 'opaque':
      // Another dialect's block (none today) would go as its text form; routing keeps the others away.
      return part.dialect === 'anthropic' ? (part.block as RequestBlock) : part.text ? { type: 'text', text: part.text } : undefined;
    case 'text':
      return part.text === '' ? undefined : text(part);
  }
}

function resultContent(parts: ToolResultPart[]): RequestBlock[] {
  const blocks: RequestBlock[] = [];
  for (const part of parts) {
    const block = userBlock(part);
    if (block) blocks.push(block);
  }
  return blocks;
}

type Turn = { role: AnthropicMessage['role']; results: RequestBlock[]; blocks: RequestBlock[] };

/** One IR message → the blocks of an Anthropic turn, in the order Anthropic requires. */
function turnOf(message: Message): Turn {
  if (message.role === 'system') {
    return { role: 'system', results: [], blocks: message.content.filter((p) => p.text !== '').map((p) => ({ type: 'text', text: p.text })) };
  }
  if (message.role === 'tool') {
    const content = resultContent(message.content);
    const result: RequestBlock = { type: 'tool_result', tool_use_id: message.toolCallId, ...(content.length > 0 ? { content } : {}) };
    if (message.isError) result.is_error = true;
    return { role: 'user', results: [result], blocks: [] };
  }
  if (message.role === 'user') {
    return { role: 'user', results: [], blocks: resultContent(message.content) };
  }
  // Assistant: thinking first, then text, then tool_use (text after a tool_use is rejected).
  const thinking: RequestBlock[] = [];
  const texts: RequestBlock[] = [];
  const toolUses: RequestBlock[] = [];
  for (const part of message.content) {
    if (part.type === 'text') {
      if (part.text !== '') texts.push(text(part));
    } else if (part.type === 'opaque') {
      // Server tool calls and results keep their place among the text (citations point into them).
      if (part.dialect === 'anthropic') texts.push(part.block as RequestBlock);
      else if (part.text) texts.push({ type: 'text', text: part.text });
    } else if (part.type === 'tool-call') {
      toolUses.push({ type: 'tool_use', id: part.id, name: part.name, input: toolInput(part.arguments) });
    } else if (part.signature) {
      // Unsigned reasoning (another provider's) cannot be replayed: Anthropic verifies signatures.
      const data = redactedData(part.signature);
      thinking.push(data !== undefined && part.text === '' ? { type: 'redacted_thinking', data } : { type: 'thinking', thinking: part.text, signature: part.signature });
    }
  }
  return { role: 'assistant', results: [], blocks: [...thinking, ...texts, ...toolUses] };
}

/**
 * IR messages → Anthropic `messages`:
 * - IR `tool` messages become `tool_result` blocks in a user turn; consecutive same-role turns
 *   merge (user + tool runs into one user turn, assistant runs into one assistant turn), and in a
 *   merged user turn every `tool_result` comes FIRST, then the user's text and images (Anthropic
 *   rejects text before the results that answer the previous tool_use).
 * - Turns left without blocks (an empty assistant message) are dropped.
 * - The history must start with a user turn: a placeholder one (PLACEHOLDER_USER_TEXT) is
 *   inserted when it does not.
 * - A final assistant turn is a prefill: its trailing whitespace is trimmed (Anthropic rejects it).
 * - A mid-conversation `system` message stays a `role: "system"` turn where the model takes one
 *   (system-turns.ts) and Anthropic's placement rules allow it: right after a user turn, followed
 *   by an assistant turn or last. Otherwise it is folded into the user turn (shared/system-notes.ts).
 */
export function buildMessages(history: Message[], model: string): AnthropicMessage[] {
  const systemTurns = takesSystemTurns(model);
  const messages = foldSystemMessages(history, (i) => {
    if (!systemTurns) return false;
    const before = history[i - 1]?.role;
    const after = history[i + 1]?.role;
    return (before === 'user' || before === 'tool') && (after === undefined || after === 'assistant');
  });
  const turns: Turn[] = [];
  for (const message of messages) {
    const turn = turnOf(message);
    if (turn.results.length === 0 && turn.blocks.length === 0) continue;
    const last = turns[turns.length - 1];
    if (last && last.role === turn.role && turn.role !== 'system') {
      last.results.push(...turn.results);
      last.blocks.push(...turn.blocks);
    } else turns.push(turn);
  }
  const out: AnthropicMessage[] = turns.map((turn) => ({
    role: turn.role,
    // A merged assistant run keeps the thinking, text, tool_use order across its parts (stable sort).
    content: turn.role === 'assistant' ? turn.blocks.sort((a, b) => (RANK[a.type] ?? 1) - (RANK[b.type] ?? 1)) : [...turn.results, ...turn.blocks],
  }));
  const last = out[out.length - 1];
  if (last?.role === 'assistant') {
    trimPrefill(last);
    if (last.content.length === 0) out.pop();
  }
  if (out[0]?.role !== 'user') out.unshift({ role: 'user', content: [{ type: 'text', text: PLACEHOLDER_USER_TEXT }] });
  return out;
}

/** Thinking first, then text and every other block in their order, then tool_use. */
const RANK: Record<string, number> = { thinking: 0, redacted_thinking: 0, tool_use: 2 };

function trimPrefill(turn: AnthropicMessage): void {
  const block = turn.content[turn.content.length - 1];
  if (block?.type !== 'text' || typeof block.text !== 'string') return;
  const text = block.text.trimEnd();
  if (text === '') turn.content.pop();
  else block.text = text;
}
