import { describe, expect, it } from 'vitest';
import { bedrockName, buildMessages } from '../../../functions/dialects/bedrock/build-messages.ts';
import { contentRefusal, documentFromOpenAiFile, lowered, partRefusal, type Receiver } from '../../../functions/dialects/shared/documents.ts';
import type { DocumentPart, OpaquePart } from '../../../functions/ir/request.ts';

const pdf: DocumentPart = { type: 'document', source: { type: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' };
const openaiFile: DocumentPart = { type: 'document', source: { type: 'file', fileId: 'file-1', issuer: 'openai' } };
const webResult: OpaquePart = { type: 'opaque', dialect: 'anthropic', block: { type: 'web_search_tool_result' } };
const to = (dialect: Receiver['dialect'], kind: string): Receiver => ({ dialect, kind });

describe('which target takes which document', () => {
  it.each([
    [pdf, 'user', to('anthropic', 'anthropic'), true],
    [pdf, 'user', to('openai', 'openai'), true],
    [pdf, 'user', to('openai', 'openrouter'), true],
    [pdf, 'user', to('openai', 'groq'), false],
    [pdf, 'tool', to('openai', 'openai'), false],
    [pdf, 'tool', to('openai-responses', 'openai'), true],
    [pdf, 'tool', to('bedrock', 'bedrock'), true],
    [pdf, 'tool', to('gemini', 'gemini'), false],
    [openaiFile, 'user', to('openai', 'openai'), true],
    [openaiFile, 'tool', to('openai', 'openai'), false],
    [openaiFile, 'tool', to('openai-responses', 'openai'), true],
    [openaiFile, 'user', to('openai', 'azure-openai'), false],
    [openaiFile, 'user', to('anthropic', 'anthropic'), false],
    [webResult, 'assistant', to('anthropic', 'anthropic'), true],
    [webResult, 'assistant', to('bedrock', 'bedrock'), false],
  ] as const)('%j in a %s turn → %j: %s', (part, place, receiver, takes) => {
    expect(partRefusal(part, place, receiver) === undefined).toBe(takes);
  });

  it('server tools keep every other dialect away', () => {
    const request = { messages: [], providerTools: { dialect: 'anthropic' as const, tools: [{ type: 'web_search_20250305', name: 'web_search' }] } };
    expect(contentRefusal(request, to('anthropic', 'anthropic'))).toBeUndefined();
    expect(contentRefusal(request, to('bedrock', 'bedrock'))).toContain('web_search_20250305');
  });

  it('lowers text and content documents and text-form blocks to text, keeps PDFs, refuses what the target cannot take', () => {
    const parts = lowered(
      [
        { type: 'document', source: { type: 'text', text: 'body' }, title: 'T', context: 'C' },
        { type: 'document', source: { type: 'content', parts: [{ type: 'text', text: 'x' }] } },
        { type: 'opaque', dialect: 'anthropic', block: { type: 'search_result' }, text: 'Search result: r' },
        pdf,
      ],
      'user',
      to('gemini', 'gemini'),
    );
    expect(parts).toEqual([{ type: 'text', text: 'Document: T\nC\n\nbody' }, { type: 'text', text: 'x' }, { type: 'text', text: 'Search result: r' }, pdf]);
    expect(lowered([webResult], 'user', to('gemini', 'gemini'))).toMatchObject({ refusal: expect.stringContaining('web_search_tool_result') });
  });
});

describe('OpenAI file inputs', () => {
  it('reads data: URLs, bare base64 (a PDF), plain text, URLs and file ids; says what is wrong otherwise', () => {
    expect(documentFromOpenAiFile({ data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' })).toEqual({ type: 'document', source: { type: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, title: 'a.pdf' });
    expect(documentFromOpenAiFile({ data: 'JVBE' })).toEqual({ type: 'document', source: { type: 'base64', mediaType: 'application/pdf', data: 'JVBE' } });
    expect(documentFromOpenAiFile({ data: `data:text/plain;base64,${Buffer.from('héllo').toString('base64')}` })).toEqual({ type: 'document', source: { type: 'text', text: 'héllo' } });
    expect(documentFromOpenAiFile({ url: 'https://x/a.pdf' })).toEqual({ type: 'document', source: { type: 'url', url: 'https://x/a.pdf' } });
    expect(documentFromOpenAiFile({ id: 'file-1' })).toEqual(openaiFile);
    expect(documentFromOpenAiFile({ url: 'ftp://x' })).toBe('file_url must be an http(s) URL');
    expect(documentFromOpenAiFile({})).toContain('file_data');
  });
});

describe('Bedrock document names', () => {
  it.each([
    ['Q3 report.pdf', 'Q3 report pdf'],
    ['a__b//c  d', 'a b c d'],
    ['Notes (draft) [v2]-final', 'Notes (draft) [v2]-final'],
    ['...', 'document 1'],
  ])('%j → %j', (name, expected) => {
    expect(bedrockName(name, 0)).toBe(expected);
  });
});

describe('Bedrock document names across the request', () => {
  it('are unique in the whole history (Converse rejects a repeated name), untitled ones included', () => {
    const untitled: DocumentPart = { type: 'document', source: pdf.source };
    const built = buildMessages(
      [
        { role: 'user', content: [pdf, untitled, { type: 'text', text: 'Compare.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] },
        { role: 'user', content: [pdf, untitled, { type: 'text', text: 'Again.' }] },
      ],
      { replaySignedReasoning: false },
    );
    if (!built.ok) throw new Error(built.failure.message);
    const names = built.messages.flatMap((m) => m.content?.flatMap((b) => ('document' in b && b.document ? [b.document.name] : [])) ?? []);
    expect(names).toEqual(['a pdf', 'document-2 pdf', 'a pdf (2)', 'document-2 pdf (2)']);
  });
});
