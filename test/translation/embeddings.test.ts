import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { vectorToBase64 } from '../../functions/dialects/openai/embeddings.ts';
import { fakeBedrock, fakeHttp, proxyFor, useCleanups, useFakeAwsCredentials } from './upstreams.ts';

/**
 * `POST /v1/embeddings` with the official OpenAI SDK (`embeddings.create`, which asks for base64
 * unless told otherwise) against fake providers on loopback: OpenAI-style, Gemini and Bedrock
 * (Titan, Cohere) targets, failover between targets of one vector space, bad inputs.
 */

useCleanups();
useFakeAwsCredentials();

// Values a float32 holds exactly, so base64 round trips compare equal.
const V1 = [0.5, -0.25, 0.125];
const V2 = [1, 0, -1];

function openaiEmbeddings(vectors: number[][], format: 'float' | 'base64', model = 'text-embedding-3-small') {
  return {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? vectorToBase64(v) : v })),
    model,
    usage: { prompt_tokens: 7, total_tokens: 7 },
  };
}

/** An OpenAI-style fake that answers one of `vectors` per input, in the encoding it was asked for. */
const openaiStyle = (vectors: number[][]) => (request: { body: unknown }) => {
  const body = request.body as { input: unknown; encoding_format?: 'float' | 'base64' };
  const count = Array.isArray(body.input) ? body.input.length : 1;
  return { kind: 'json' as const, status: 200, body: openaiEmbeddings(vectors.slice(0, count), body.encoding_format ?? 'float') };
};

describe('embeddings', () => {
  it('an OpenAI-style target: the SDK default (base64) and float both arrive as the vectors; the body reaches it with the model replaced', async () => {
    const upstream = await fakeHttp(openaiStyle([V1, V2]));
    const h = await proxyFor([{ kind: 'openai', url: `${upstream.url}/v1`, model: 'text-embedding-3-small' }], {}, 'embeddings');
    const { data, response } = await h.openai.embeddings.create({ model: 'alias', input: ['first', 'second'], dimensions: 3, user: 'u-1' }).withResponse();
    expect(data.data.map((d) => d.embedding)).toEqual([V1, V2]);
    expect(data.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    expect(response.headers.get('x-understudy-provider')).toBe('p1');
    expect(response.headers.get('x-understudy-token-count')).toBe('provider');
    expect(upstream.requests[0]!.url).toBe('/v1/embeddings');
    expect(upstream.requests[0]!.body).toEqual({ model: 'text-embedding-3-small', input: ['first', 'second'], encoding_format: 'base64', dimensions: 3, user: 'u-1' });
    const floats = await h.openai.embeddings.create({ model: 'alias', input: 'one', encoding_format: 'float' });
    expect(floats.data[0]!.embedding).toEqual(V1);
  });

  it('fails over between targets of one vector space: OpenAI 503 → Gemini, labelled the same', async () => {
    const down = await fakeHttp(() => ({ kind: 'json', status: 503, body: { error: { message: 'overloaded', type: 'server_error', param: null, code: null } } }));
    const gemini = await fakeHttp(() => ({ kind: 'json', status: 200, body: { embeddings: [{ values: V1 }, { values: V2 }] } }));
    const h = await proxyFor(
      [
        { kind: 'openai', url: `${down.url}/v1`, model: 'text-embedding-3-small', vectorSpace: 'shared' },
        { kind: 'gemini', url: gemini.url, model: 'gemini-embedding-001', vectorSpace: 'shared' },
      ],
      {},
      'embeddings',
    );
    const { data, response } = await h.openai.embeddings.create({ model: 'alias', input: ['first', 'second'], dimensions: 3 }).withResponse();
    expect(data.data.map((d) => d.embedding)).toEqual([V1, V2]);
    expect(data.model).toBe('gemini-embedding-001');
    expect(response.headers.get('x-understudy-attempts')).toMatch(/=503,.*p2\/gemini-embedding-001=200$/);
    // Gemini counts no tokens: the estimate, and the header says so.
    expect(response.headers.get('x-understudy-token-count')).toBe('estimate');
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(gemini.requests[0]!.url).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(gemini.requests[0]!.headers['x-goog-api-key']).toBe('sk-test-not-a-real-key');
    expect(gemini.requests[0]!.body).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'first' }] }, outputDimensionality: 3 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'second' }] }, outputDimensionality: 3 },
      ],
    });
  });

  it('Bedrock: Titan one call per text with its token counts; Cohere one call for the batch', async () => {
    const titan = await fakeBedrock((request) => {
      const text = (request.body as { inputText: string }).inputText;
      return { kind: 'json', status: 200, body: { embedding: text === 'first' ? V1 : V2, inputTextTokenCount: 2 } };
    });
    const h = await proxyFor([{ kind: 'bedrock', url: titan.endpoint, model: 'amazon.titan-embed-text-v2:0' }], {}, 'embeddings');
    const { data, response } = await h.openai.embeddings.create({ model: 'alias', input: ['first', 'second'] }).withResponse();
    expect(data.data.map((d) => d.embedding)).toEqual([V1, V2]);
    expect(data.usage.prompt_tokens).toBe(4);
    expect(response.headers.get('x-understudy-token-count')).toBe('provider');
    expect(titan.requests.map((r) => [r.operation, r.modelId])).toEqual([
      ['invoke', 'amazon.titan-embed-text-v2:0'],
      ['invoke', 'amazon.titan-embed-text-v2:0'],
    ]);

    const cohere = await fakeBedrock(() => ({ kind: 'json', status: 200, body: { id: 'x', response_type: 'embeddings_by_type', embeddings: { float: [V1, V2] } } }));
    const h2 = await proxyFor([{ kind: 'bedrock', url: cohere.endpoint, model: 'cohere.embed-english-v3' }], {}, 'embeddings');
    const embedded = await h2.openai.embeddings.create({ model: 'alias', input: ['first', 'second'], encoding_format: 'float' });
    expect(embedded.data.map((d) => d.embedding)).toEqual([V1, V2]);
    expect(cohere.requests[0]!.body).toEqual({ texts: ['first', 'second'], input_type: 'search_document', embedding_types: ['float'] });
  });

  it('token-id input goes only to OpenAI-style targets; where none is left, a 400 says why', async () => {
    const gemini = await fakeHttp(() => ({ kind: 'json', status: 200, body: { embeddings: [{ values: V1 }] } }));
    const h = await proxyFor([{ kind: 'gemini', url: gemini.url, model: 'gemini-embedding-001' }], {}, 'embeddings');
    const error = await h.openai.embeddings.create({ model: 'alias', input: [[1, 2, 3]] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('Gemini embeds text only');
    expect(gemini.requests).toHaveLength(0);
  });

  it('bad inputs get OpenAI errors: no input, an empty string, a chat alias, an unknown alias, a malformed answer fails over', async () => {
    const broken = await fakeHttp(() => ({ kind: 'json', status: 200, body: { object: 'list', data: 'nope' } }));
    const good = await fakeHttp(openaiStyle([V1]));
    const h = await proxyFor(
      [
        { kind: 'openai-compatible', url: `${broken.url}/v1`, model: 'bge-large-en-v1.5' },
        { kind: 'openai-compatible', url: `${good.url}/v1`, model: 'BAAI/bge-large-en-v1.5' },
      ],
      {},
      'embeddings',
    );
    const served = await h.openai.embeddings.create({ model: 'alias', input: 'x', encoding_format: 'float' });
    expect(served.data[0]!.embedding).toEqual(V1);
    const failures = await Promise.all([
      h.openai.embeddings.create({ model: 'alias' } as OpenAI.EmbeddingCreateParams).catch((e: unknown) => e),
      h.openai.embeddings.create({ model: 'alias', input: '' }).catch((e: unknown) => e),
      h.openai.embeddings.create({ model: 'alias', input: 'x', encoding_format: 'int8' as 'float' }).catch((e: unknown) => e),
      h.openai.embeddings.create({ model: 'nope', input: 'x' }).catch((e: unknown) => e),
    ]);
    expect(failures.map((e) => (e as { status?: number }).status)).toEqual([400, 400, 400, 404]);
    expect((failures[0] as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input');
    expect((failures[2] as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('encoding_format');

    const chat = await proxyFor([{ kind: 'openai', url: `${good.url}/v1`, model: 'gpt-4o' }]);
    const wrongKind = await chat.openai.embeddings.create({ model: 'alias', input: 'x' }).catch((e: unknown) => e);
    expect(wrongKind).toBeInstanceOf(OpenAI.BadRequestError);
    expect((wrongKind as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('the alias "alias" is of kind "chat", not "embeddings"');
  });
});
