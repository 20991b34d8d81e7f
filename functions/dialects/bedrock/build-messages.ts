import type { ContentBlock, DocumentFormat, ImageFormat, Message, ToolResultContentBlock, ToolUseBlock } from '@aws-sdk/client-bedrock-runtime';
import type { Failure } from '../../ir/failure.ts';
import type { ImagePart, Message as IrMessage, ToolResultPart } from '../../ir/request.ts';
import { redactedData } from '../shared/redacted-thinking.ts';
import { foldSystemMessages } from '../shared/system-notes.ts';
import { BEDROCK_FORMATS, documentName, lowered, partRefusal, type LoweredPart, type NativeDocument, type Place } from '../shared/documents.ts';

const RECEIVER = { dialect: 'bedrock', kind: 'bedrock' } as const;

export type MessagesResult =
  | { ok: true; messages: Message[]; historyToolNames: Set<string> }
  | { ok: false; failure: Failure };

/**
 * The text of the user turn inserted when a history starts with the assistant: Converse rejects a
 * conversation whose first turn is not the user's, and the turn must not be blank.
 */
export const LEADING_USER_TEXT = '.';

const IMAGE_FORMATS: Record<string, ImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

type Unsupported = { failure: Failure };

/**
 * One Converse turn under construction. Blocks are kept in ordered buckets so that merged IR
 * messages still satisfy Bedrock's ordering rules: in a user turn every toolResult comes first; in
 * an assistant turn reasoning comes first and toolUse blocks last (text before toolUse).
 */
interface Turn {
  role: 'user' | 'assistant';
  first: ContentBlock[];
  middle: ContentBlock[];
  last: ContentBlock[];
}

/**
 * IR messages → Converse messages. Consecutive same-role turns merge (tool results join the user
 * turn), blank text is dropped, a history that starts with the assistant gets a minimal user turn
 * first, and a final assistant prefill loses its trailing whitespace (Bedrock rejects it).
 * Converse has no mid-conversation system turn: such instructions are folded into the user turn
 * where they were given (shared/system-notes.ts).
 */
export function buildMessages(history: IrMessage[], options: { replaySignedReasoning: boolean }): MessagesResult {
  const messages = foldSystemMessages(history);
  const turns: Turn[] = [];
  const documentName = documentNamer();
  const historyToolNames = new Set<string>();
  const push = (role: Turn['role'], first: ContentBlock[], middle: ContentBlock[], last: ContentBlock[]) => {
    if (first.length + middle.length + last.length === 0) return;
    const previous = turns[turns.length - 1];
    if (previous?.role === role) {
      previous.first.push(...first);
      previous.middle.push(...middle);
      previous.last.push(...last);
    } else turns.push({ role, first, middle, last });
  };

  for (const message of messages) {
    if (message.role === 'user') {
      const parts = partsOf(message.content, 'user');
      if ('failure' in parts) return { ok: false, failure: parts.failure };
      const blocks: ContentBlock[] = [];
      for (const [index, part] of parts.entries()) {
        if (part.type === 'text') {
          if (part.text.trim() !== '') blocks.push({ text: part.text });
        } else {
          const block = part.type === 'image' ? imageBlock(part) : documentBlock(part, documentName(part, index));
          if ('failure' in block) return { ok: false, failure: block.failure };
          blocks.push(block);
        }
      }
      push('user', [], blocks, []);
    } else if (message.role === 'tool') {
      const content = toolResultContent(message.content, documentName);
      if ('failure' in content) return { ok: false, failure: content.failure };
      if (message.toolName) historyToolNames.add(message.toolName);
      const block: ContentBlock = {
        toolResult: { toolUseId: message.toolCallId, content, ...(message.isError ? { status: 'error' as const } : {}) },
      };
      push('user', [block], [], []);
    } else if (message.role === 'assistant') {
      const reasoning: ContentBlock[] = [];
      const text: ContentBlock[] = [];
      const toolUses: ContentBlock[] = [];
      for (const part of message.content) {
        if (part.type === 'text') {
          if (part.text.trim() !== '') text.push({ text: part.text });
        } else if (part.type === 'opaque') {
          const refusal = partRefusal(part, 'assistant', RECEIVER);
          if (refusal) return { ok: false, failure: { kind: 'unsupported', message: refusal } };
          if (part.text?.trim()) text.push({ text: part.text });
        } else if (part.type === 'tool-call') {
          historyToolNames.add(part.name);
          toolUses.push({ toolUse: { toolUseId: part.id, name: part.name, input: toolInput(part.arguments) as NonNullable<ToolUseBlock['input']> } });
        } else if (part.signature && options.replaySignedReasoning && redactedData(part.signature) === undefined) {
          // Only Claude's own signed thinking is replayed (Claude signatures hold across Anthropic's
          // API and Bedrock). Unsigned reasoning, another family's model and Anthropic's redacted
          // blocks (no Converse form) are dropped: a signature is never made up.
          reasoning.push({ reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } });
        }
      }
      push('assistant', reasoning, text, toolUses);
    }
  }

  trimFinalPrefill(turns);
  const result: Message[] = turns
    .map((turn) => ({ role: turn.role, content: [...turn.first, ...turn.middle, ...turn.last] }))
    .filter((message) => message.content.length > 0);
  if (result[0]?.role === 'assistant') result.unshift({ role: 'user', content: [{ text: LEADING_USER_TEXT }] });
  return { ok: true, messages: result, historyToolNames };
}

/**
 * A tool call's arguments as the object Converse wants. The IR keeps the model's text verbatim, so
 * it may be invalid JSON or not an object: then `{}` is sent (the call is still answered by its
 * toolResult, which is what Bedrock checks).
 */
export function toolInput(args: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function imageBlock(part: ImagePart): ContentBlock.ImageMember | Unsupported {
  if (part.source.type === 'url') {
    return { failure: { kind: 'unsupported', message: 'Bedrock accepts images only as bytes, not as URLs' } };
  }
  const format = IMAGE_FORMATS[part.source.mediaType.toLowerCase()];
  if (!format) {
    return { failure: { kind: 'unsupported', message: `Bedrock does not accept images of type ${part.source.mediaType}` } };
  }
  return { image: { format, source: { bytes: new Uint8Array(Buffer.from(part.source.data, 'base64')) } } };
}

/** A message's parts with documents and opaque blocks lowered (shared/documents.ts), or why Bedrock cannot take one. */
function partsOf(content: ToolResultPart[], place: Place): LoweredPart[] | Unsupported {
  const parts = lowered(content, place, RECEIVER);
  return 'refusal' in parts ? { failure: { kind: 'unsupported', message: parts.refusal } } : parts;
}

/**
 * Names for the request's documents. Converse rejects two documents of one name anywhere in the
 * request ("Messages can't contain duplicate document names"), and the whole history is sent on
 * every turn: a name already given gets " (2)", " (3)" …
 */
function documentNamer(): (part: NativeDocument, index: number) => string {
  const taken = new Set<string>();
  return (part, index) => {
    const base = bedrockName(documentName(part, index), index);
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} (${n})`;
    taken.add(name.toLowerCase());
    return name;
  };
}

/** A PDF (or another format Converse reads) as a document block: format, a name Bedrock accepts, the bytes. */
function documentBlock(part: NativeDocument, name: string): ContentBlock.DocumentMember | Unsupported {
  const source = part.source;
  const format = source.type === 'base64' ? (BEDROCK_FORMATS[source.mediaType] as DocumentFormat | undefined) : undefined;
  if (source.type !== 'base64' || !format) {
    return { failure: { kind: 'unsupported', message: 'Bedrock takes documents only as bytes of a format it reads (pdf, txt, csv, html, md, doc(x), xls(x))' } };
  }
  return { document: { format, name, source: { bytes: new Uint8Array(Buffer.from(source.data, 'base64')) } } };
}

/**
 * Converse document names allow letters, digits, single spaces, hyphens, parentheses and square
 * brackets only: anything else becomes a space (a dot before the extension included).
 */
export function bedrockName(name: string, index: number): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9\s\-()[\]]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned === '' ? `document ${index + 1}` : cleaned.slice(0, 200);
}

function toolResultContent(raw: ToolResultPart[], documentName: (part: NativeDocument, index: number) => string): ToolResultContentBlock[] | Unsupported {
  const parts = partsOf(raw, 'tool');
  if ('failure' in parts) return parts;
  const content: ToolResultContentBlock[] = [];
  for (const [index, part] of parts.entries()) {
    if (part.type === 'text') content.push({ text: part.text });
    else if (part.type === 'image') {
      const image = imageBlock(part);
      if ('failure' in image) return image;
      content.push({ image: image.image });
    } else {
      const document = documentBlock(part, documentName(part, index));
      if ('failure' in document) return document;
      content.push({ document: document.document });
    }
  }
  // An empty result (legal in the IR) must still carry one block, above all with status "error".
  return content.length > 0 ? content : [{ text: '' }];
}

function trimFinalPrefill(turns: Turn[]): void {
  const final = turns[turns.length - 1];
  if (final?.role !== 'assistant' || final.last.length > 0) return;
  const block = final.middle[final.middle.length - 1];
  if (!block || !('text' in block) || typeof block.text !== 'string') return;
  const trimmed = block.text.trimEnd();
  if (trimmed === '') final.middle.pop();
  else final.middle[final.middle.length - 1] = { text: trimmed };
}
