import type { ChatRequest, DialectName, DocumentPart, ImagePart, OpaquePart, TextPart } from '../../ir/request.ts';

/**
 * Documents and opaque blocks across dialects: which target can take which (one table, read both by
 * routing, which skips a target that cannot take a request's content, and by the builders, which
 * refuse the same parts as a safety net), and the text form a target of another dialect receives
 * where one is faithful. Nothing the user gave is ever dropped: a part a target cannot take makes
 * that target unable to serve the request.
 */

/** Where a part sits: a user turn, a tool result, or an assistant turn of the history. */
export type Place = 'user' | 'tool' | 'assistant';

/** A target as far as content goes: its dialect and provider kind. */
export interface Receiver {
  dialect: DialectName;
  kind: string;
}

/** A document some targets take natively (bytes, a URL, a provider's file); the others are lowered to text. */
export type NativeDocument = DocumentPart & { source: { type: 'base64' | 'url' | 'file' } };

/** What a non-Anthropic builder receives in place of a message's parts (see `lowered`). */
export type LoweredPart = TextPart | ImagePart | NativeDocument;

/**
 * Kinds of the `openai` dialect whose Chat Completions take a PDF as a `file` content part
 * (`file_data`). OpenRouter documents the same part; other compatible vendors take no files.
 */
const CHAT_FILE_KINDS = new Set(['openai', 'azure-openai', 'openrouter']);

export const PDF = 'application/pdf';

const VENDOR: Record<DialectName, string> = {
  anthropic: 'Anthropic',
  openai: 'Chat Completions',
  'openai-responses': 'the Responses API',
  bedrock: 'Bedrock',
  gemini: 'Gemini',
};

/** The block type an opaque part carries, for messages. */
export function blockType(part: OpaquePart): string {
  return typeof part.block.type === 'string' ? part.block.type : 'unknown';
}

/** Why `to` cannot take this part where it sits; undefined when it can (natively or as text). */
export function partRefusal(part: DocumentPart | OpaquePart, place: Place, to: Receiver): string | undefined {
  if (part.type === 'opaque') {
    if (part.dialect === to.dialect || part.text !== undefined) return undefined;
    return `a "${blockType(part)}" content block exists only in the ${VENDOR[part.dialect]} API; ${VENDOR[to.dialect]} (${to.kind}) cannot take it`;
  }
  const source = part.source;
  switch (source.type) {
    case 'text':
    case 'content':
      return undefined;
    case 'file':
      // An OpenAI file: by id in a Chat user message or any Responses input (a Chat tool message is text only).
      if (source.issuer === 'anthropic' ? to.dialect === 'anthropic' : to.kind === 'openai' && (to.dialect === 'openai-responses' || place === 'user')) return undefined;
      return `document file "${source.fileId}" is held by ${source.issuer === 'anthropic' ? 'Anthropic' : 'OpenAI'}'s file store; ${VENDOR[to.dialect]} (${to.kind}) cannot read it`;
    case 'url':
      if (to.dialect === 'anthropic' || to.dialect === 'openai-responses') return undefined;
      return `a document given by URL must be fetched by the provider; ${VENDOR[to.dialect]} (${to.kind}) fetches no document URLs (send the bytes instead)`;
    case 'base64':
      return base64Refusal(source.mediaType, place, to);
  }
}

function base64Refusal(mediaType: string, place: Place, to: Receiver): string | undefined {
  const what = `a ${mediaType} document${place === 'tool' ? ' inside a tool result' : ''}`;
  switch (to.dialect) {
    case 'anthropic':
      return mediaType === PDF ? undefined : `${what}: Anthropic takes documents as PDF bytes or plain text only`;
    case 'openai':
      if (place === 'tool') return `${what}: a Chat Completions tool message carries text only`;
      return CHAT_FILE_KINDS.has(to.kind) ? undefined : `${what}: ${to.kind} takes no file parts in Chat Completions`;
    case 'openai-responses':
      return undefined;
    case 'bedrock':
      return BEDROCK_FORMATS[mediaType] !== undefined ? undefined : `${what}: Bedrock takes no documents of this type`;
    case 'gemini':
      if (place === 'tool') return `${what}: Gemini function responses carry no documents here`;
      return mediaType === PDF ? undefined : `${what}: Gemini takes PDF documents only here`;
  }
}

/** Bedrock Converse document formats by media type. */
export const BEDROCK_FORMATS: Record<string, string> = {
  [PDF]: 'pdf',
  'text/csv': 'csv',
  'text/html': 'html',
  'text/markdown': 'md',
  'text/plain': 'txt',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};

/**
 * Why `to` cannot serve this request's content (the first document, block or server tool it cannot
 * take); undefined when it can take it all.
 */
export function contentRefusal(request: Pick<ChatRequest, 'messages' | 'providerTools'>, to: Receiver): string | undefined {
  const server = request.providerTools;
  if (server && server.dialect !== to.dialect && server.tools.length > 0) {
    const type = server.tools[0]!.type;
    return `the server tool "${typeof type === 'string' ? type : 'unknown'}" runs only at ${VENDOR[server.dialect]}; ${VENDOR[to.dialect]} (${to.kind}) cannot run it`;
  }
  for (const message of request.messages) {
    if (message.role === 'system') continue;
    const place: Place = message.role === 'tool' ? 'tool' : message.role;
    for (const part of message.content) {
      if (part.type !== 'document' && part.type !== 'opaque') continue;
      const refusal = partRefusal(part, place, to);
      if (refusal) return refusal;
    }
  }
  return undefined;
}

/** The text a target of another dialect reads for a text or content document's header. */
function documentHeader(part: DocumentPart): string {
  return [part.title !== undefined ? `Document: ${part.title}` : undefined, part.context].filter((s) => s !== undefined && s !== '').join('\n');
}

/**
 * A message's parts as a target of another dialect than Anthropic's takes them: a text document
 * becomes text (its title and context first), a content document its text and images, an opaque
 * block its text form; a PDF, a document URL or a provider's file stays a document, for the builder
 * to map. A part the target cannot take (per `partRefusal`) gives its reason instead.
 */
export function lowered(parts: readonly (TextPart | ImagePart | DocumentPart | OpaquePart)[], place: Place, to: Receiver): LoweredPart[] | { refusal: string } {
  // The common case (no document, no opaque block) allocates nothing.
  if (!parts.some((p) => p.type === 'document' || p.type === 'opaque')) return parts as LoweredPart[];
  const out: LoweredPart[] = [];
  for (const part of parts) {
    if (part.type === 'text' || part.type === 'image') {
      out.push(part);
      continue;
    }
    const refusal = partRefusal(part, place, to);
    if (refusal) return { refusal };
    if (part.type === 'opaque') {
      out.push({ type: 'text', text: part.text ?? '' });
      continue;
    }
    const source = part.source;
    const header = documentHeader(part);
    if (source.type === 'text') out.push({ type: 'text', text: header === '' ? source.text : `${header}\n\n${source.text}` });
    else if (source.type === 'content') {
      if (header !== '') out.push({ type: 'text', text: header });
      out.push(...source.parts);
    } else out.push(part as NativeDocument);
  }
  return out;
}

/** The file name a provider shows the model for a document (title, else a stand-in by position). */
export function documentName(part: DocumentPart, index: number): string {
  if (part.title !== undefined && part.title.trim() !== '') return part.title;
  return part.source.type === 'base64' && part.source.mediaType === PDF ? `document-${index + 1}.pdf` : `document-${index + 1}`;
}

/** A search result (Anthropic `search_result`) as the text other targets read. */
export function searchResultText(title: string, source: string, texts: string[]): string {
  return `Search result: ${title}\nSource: ${source}\n\n${texts.join('\n\n')}`;
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]+)*);base64,(.*)$/s;

/**
 * An OpenAI file input (a Chat Completions `file` part, a Responses `input_file`) as an IR
 * document: `file_data` (a base64 data: URL, or bare base64 taken as a PDF; plain text is decoded
 * to a text document, which every target reads), `file_url`, or `file_id` (OpenAI's file store).
 * A string says what is wrong with it.
 */
export function documentFromOpenAiFile(file: { data?: unknown; url?: unknown; id?: unknown; filename?: unknown }): DocumentPart | string {
  const title = typeof file.filename === 'string' && file.filename !== '' ? { title: file.filename } : {};
  if (file.filename !== undefined && file.filename !== null && typeof file.filename !== 'string') return 'filename must be a string';
  if (typeof file.data === 'string' && file.data !== '') {
    const match = DATA_URL.exec(file.data);
    const mediaType = match ? match[1]!.toLowerCase() : PDF;
    const data = match ? match[3]! : file.data;
    if (mediaType === 'text/plain') return { type: 'document', source: { type: 'text', text: Buffer.from(data, 'base64').toString('utf8') }, ...title };
    return { type: 'document', source: { type: 'base64', mediaType, data }, ...title };
  }
  if (typeof file.url === 'string' && file.url !== '') {
    if (!/^https?:\/\//i.test(file.url)) return 'file_url must be an http(s) URL';
    return { type: 'document', source: { type: 'url', url: file.url }, ...title };
  }
  if (typeof file.id === 'string' && file.id !== '') return { type: 'document', source: { type: 'file', fileId: file.id, issuer: 'openai' }, ...title };
  return 'a file needs file_data (a base64 data: URL), file_url or file_id';
}
