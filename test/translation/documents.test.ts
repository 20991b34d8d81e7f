import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { openaiError } from '../support/fake-provider.ts';
import { recordOf } from '../support/proxy-harness.ts';
import { anthropicClient, fakeBedrock, fakeHttp, proxyFor, sseFixture, useCleanups, useFakeAwsCredentials } from './upstreams.ts';

/**
 * Documents and the blocks of one provider's API across dialects: a PDF reaches every kind of
 * target in that target's own form, a document a target cannot take makes the proxy skip that
 * target (never drop the document), and a request no target can take is a 400 in the caller's
 * format. Real SDKs as callers, loopback fakes as providers.
 */
useCleanups();
useFakeAwsCredentials();

/** A tiny PDF's bytes, base64 (the header is enough: the fakes do not render it). */
const PDF_DATA = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n').toString('base64');
const anthropicOverloaded = { kind: 'json' as const, status: 503, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };

const pdfBlock = { type: 'document' as const, source: { type: 'base64' as const, media_type: 'application/pdf' as const, data: PDF_DATA }, title: 'Q3 report.pdf', citations: { enabled: true } };
const textDocument = { type: 'document' as const, source: { type: 'text' as const, media_type: 'text/plain' as const, data: 'Revenue grew 12 %.' }, title: 'Notes', context: 'From the CFO' };

function askAboutPdf(extra: Anthropic.ContentBlockParam[] = []): Anthropic.MessageCreateParamsNonStreaming {
  return { model: 'alias', max_tokens: 256, messages: [{ role: 'user', content: [pdfBlock, ...extra, { type: 'text', text: 'Summarise the report.' }] }] };
}

describe('an Anthropic client gives a PDF and the chain fails over', () => {
  it('anthropic 503 → openai: the PDF arrives as a Chat Completions file part, the text documents as text', async () => {
    const anthropic = await fakeHttp(() => anthropicOverloaded);
    const openai = await fakeHttp(() => sseFixture('openai', 'text'));
    const h = await proxyFor([
      { kind: 'anthropic', url: anthropic.url, model: 'claude-sonnet-4-5' },
      { kind: 'openai', url: `${openai.url}/v1`, model: 'gpt-4o' },
    ]);
    const { data: message, response } = await anthropicClient(h).messages.create(askAboutPdf([textDocument])).withResponse();
    expect(message.content.some((block) => block.type === 'text' && block.text !== '')).toBe(true);
    expect(response.headers.get('x-understudy-provider')).toBe('p2');
    // The Anthropic target got the document as sent.
    expect((anthropic.requests[0]!.body as { messages: { content: unknown[] }[] }).messages[0]!.content[0]).toEqual(pdfBlock);
    expect(openai.requests[0]!.body).toMatchObject({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', file: { filename: 'Q3 report.pdf', file_data: `data:application/pdf;base64,${PDF_DATA}` } },
            { type: 'text', text: 'Document: Notes\nFrom the CFO\n\nRevenue grew 12 %.' },
            { type: 'text', text: 'Summarise the report.' },
          ],
        },
      ],
    });
  });

  it('a target that takes no files is skipped (not sent the request without the PDF), and the next one serves', async () => {
    const compatible = await fakeHttp(() => sseFixture('openai', 'text'));
    const gemini = await fakeHttp(() => sseFixture('gemini', 'text'));
    const h = await proxyFor([
      { kind: 'openai-compatible', url: `${compatible.url}/v1`, model: 'llama-3.3-70b' },
      { kind: 'gemini', url: gemini.url, model: 'gemini-2.5-flash' },
    ]);
    const { response } = await anthropicClient(h).messages.create(askAboutPdf()).withResponse();
    expect(response.headers.get('x-understudy-attempts')).toBe('p1/llama-3.3-70b=skipped-content,p2/gemini-2.5-flash=200');
    expect(compatible.requests).toHaveLength(0);
    expect(gemini.requests[0]!.body).toMatchObject({
      contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'application/pdf', data: PDF_DATA } }, { text: 'Summarise the report.' }] }],
    });
    const record = await recordOf(h, 0);
    expect(record.attempts.map((a) => a.outcome)).toEqual(['skipped-content', '200']);
  });

  it('Bedrock receives a Converse document block: format, a name it accepts, the bytes', async () => {
    const bedrock = await fakeBedrock(() => ({
      kind: 'stream',
      frames: [
        { event: 'messageStart', payload: { role: 'assistant' } },
        { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Revenue grew.' } } },
        { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
        { event: 'messageStop', payload: { stopReason: 'end_turn' } },
        { event: 'metadata', payload: { usage: { inputTokens: 900, outputTokens: 4, totalTokens: 904 }, metrics: { latencyMs: 5 } } },
      ],
    }));
    const h = await proxyFor([{ kind: 'bedrock', url: bedrock.endpoint, model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }]);
    const message = await anthropicClient(h).messages.create(askAboutPdf());
    expect(message.content).toEqual([{ type: 'text', text: 'Revenue grew.' }]);
    expect(bedrock.requests[0]!.body.messages).toEqual([
      { role: 'user', content: [{ document: { format: 'pdf', name: 'Q3 report pdf', source: { bytes: PDF_DATA } } }, { text: 'Summarise the report.' }] },
    ]);
  });

  it('a document given by URL: the Anthropic target fetches it; when no target can, a 400 in the Anthropic format names why', async () => {
    const byUrl: Anthropic.ContentBlockParam = { type: 'document', source: { type: 'url', url: 'https://example.com/q3.pdf' } };
    const request: Anthropic.MessageCreateParamsNonStreaming = { model: 'alias', max_tokens: 64, messages: [{ role: 'user', content: [byUrl, { type: 'text', text: 'Summarise.' }] }] };
    const openai = await fakeHttp(() => sseFixture('openai', 'text'));
    const anthropic = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const served = await proxyFor([
      { kind: 'openai', url: `${openai.url}/v1`, model: 'gpt-4o' },
      { kind: 'anthropic', url: anthropic.url, model: 'claude-sonnet-4-5' },
    ]);
    const { response } = await anthropicClient(served).messages.create(request).withResponse();
    expect(response.headers.get('x-understudy-attempts')).toBe('p1/gpt-4o=skipped-content,p2/claude-sonnet-4-5=200');
    expect((anthropic.requests[0]!.body as { messages: { content: unknown[] }[] }).messages[0]!.content[0]).toEqual(byUrl);

    const alone = await proxyFor([{ kind: 'openai', url: `${openai.url}/v1`, model: 'gpt-4o' }]);
    const error = await anthropicClient(alone).messages.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (error as InstanceType<typeof Anthropic.BadRequestError>).error as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('fetches no document URLs');
    expect(openai.requests).toHaveLength(0);
  });

  it('server tool history (web search) goes to Anthropic as sent; another dialect cannot run it and is skipped', async () => {
    const openai = await fakeHttp(() => openaiError(500, 'should not be called', 'server_error'));
    const anthropic = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([
      { kind: 'openai', url: `${openai.url}/v1`, model: 'gpt-4o' },
      { kind: 'anthropic', url: anthropic.url, model: 'claude-sonnet-4-5' },
    ]);
    const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 2 } as const;
    const assistant: Anthropic.ContentBlockParam[] = [
      { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'oslo weather' } },
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [{ type: 'web_search_result', url: 'https://yr.no', title: 'Yr', encrypted_content: 'EqgfCioIARgB' }] },
      { type: 'text', text: 'It snows.', citations: [{ type: 'web_search_result_location', url: 'https://yr.no', title: 'Yr', encrypted_index: 'Eo8BCi', cited_text: 'Snow' }] },
    ];
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model: 'alias',
      max_tokens: 256,
      tools: [webSearch],
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: assistant },
        { role: 'user', content: 'And tomorrow?' },
      ],
    };
    const { response } = await anthropicClient(h).messages.create(body).withResponse();
    expect(response.headers.get('x-understudy-attempts')).toBe('p1/gpt-4o=skipped-content,p2/claude-sonnet-4-5=200');
    expect(openai.requests).toHaveLength(0);
    expect(anthropic.requests[0]!.body).toEqual({ ...body, model: 'claude-sonnet-4-5', stream: true });
  });
});

describe('an OpenAI client gives a PDF', () => {
  it('Chat Completions file part: openai 503 → anthropic, which receives an Anthropic document block', async () => {
    const openai = await fakeHttp(() => openaiError(503, 'The engine is currently overloaded', 'server_error'));
    const anthropic = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([
      { kind: 'openai', url: `${openai.url}/v1`, model: 'gpt-4o' },
      { kind: 'anthropic', url: anthropic.url, model: 'claude-sonnet-4-5' },
    ]);
    const file = { type: 'file' as const, file: { filename: 'q3.pdf', file_data: `data:application/pdf;base64,${PDF_DATA}` } };
    const completion = await h.openai.chat.completions.create({ model: 'alias', messages: [{ role: 'user', content: [file, { type: 'text', text: 'Summarise.' }] }] });
    expect(completion.choices[0]!.message.content).not.toBe('');
    // OpenAI got the client's own part; Anthropic the same document in its own form.
    expect((openai.requests[0]!.body as { messages: { content: unknown[] }[] }).messages[0]!.content[0]).toEqual(file);
    expect(anthropic.requests[0]!.body).toMatchObject({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA }, title: 'q3.pdf' },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
    });
  });

  it('an OpenAI file id cannot leave OpenAI: with only Anthropic behind the alias, a 400 in the OpenAI format', async () => {
    const anthropic = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([{ kind: 'anthropic', url: anthropic.url, model: 'claude-sonnet-4-5' }]);
    const error = await h.openai.chat.completions
      .create({ model: 'alias', messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc123' } }, { type: 'text', text: 'Summarise.' }] }] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'unsupported_content' });
    expect((error as Error).message).toContain('file-abc123');
    expect(anthropic.requests).toHaveLength(0);
  });

  it('Responses input_file: a Responses target gets input_file back, an Anthropic fallback a document block', async () => {
    const responses = await fakeHttp(() => openaiError(503, 'The engine is currently overloaded', 'server_error'));
    const anthropic = await fakeHttp(() => sseFixture('anthropic', 'text'));
    const h = await proxyFor([
      { kind: 'openai', url: `${responses.url}/v1`, model: 'gpt-5', apis: ['chat', 'responses'] },
      { kind: 'anthropic', url: anthropic.url, model: 'claude-sonnet-4-5' },
    ]);
    const inputFile = { type: 'input_file' as const, filename: 'q3.pdf', file_data: `data:application/pdf;base64,${PDF_DATA}` };
    const byUrl = { type: 'input_file' as const, file_url: 'https://example.com/q3.pdf' };
    const response = await h.openai.responses.create({ model: 'alias', input: [{ role: 'user', content: [inputFile, { type: 'input_text', text: 'Summarise.' }] }] });
    expect(response.output_text).not.toBe('');
    expect(responses.requests[0]!.body).toMatchObject({ input: [{ role: 'user', content: [inputFile, { type: 'input_text', text: 'Summarise.' }] }] });
    expect(anthropic.requests[0]!.body).toMatchObject({
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA }, title: 'q3.pdf' }, { type: 'text', text: 'Summarise.' }] }],
    });
    // A URL document: the Responses target takes it as file_url, Anthropic as a URL source.
    const second = await h.openai.responses.create({ model: 'alias', input: [{ role: 'user', content: [byUrl, { type: 'input_text', text: 'Summarise.' }] }] });
    expect(second.output_text).not.toBe('');
    expect(anthropic.requests[1]!.body).toMatchObject({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/q3.pdf' } }, { type: 'text', text: 'Summarise.' }] }] });
  });
});
