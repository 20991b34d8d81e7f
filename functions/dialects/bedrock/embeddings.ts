import { bedrockEmbeddingFamily } from '../../ir/vector-space.ts';
import type { ProviderIO, TargetCall } from '../../ir/dialect.ts';
import type { EmbeddingRequest, Embeddings, EmbedResult } from '../../ir/embeddings.ts';
import { bedrockClient, bedrockSdk } from './client.ts';
import { classifySendError } from './errors.ts';

/** One InvokeModel call of an embeddings request (Titan embeds one text per call). */
export interface InvokeBody {
  body: Record<string, unknown>;
  /** How many vectors the answer holds. */
  count: number;
}

/**
 * An embeddings request → the InvokeModel bodies for a Bedrock embedding model:
 * - Titan Text Embeddings: one call per text, `{inputText, dimensions?}` (v2 takes 256, 512 or
 *   1024 dimensions; v1 none, and Bedrock refuses them there).
 * - Cohere Embed: one call, `{texts, input_type: "search_document", embedding_types: ["float"]}`.
 *   OpenAI's API has no input type; `search_document` is what an index is built with. A client may
 *   send `input_type` (Cohere's own field) to choose, e.g. `search_query` for queries.
 * Token-id input has no Bedrock form.
 */
export function buildBedrockEmbedBodies(request: EmbeddingRequest, model: string): InvokeBody[] | string {
  if (request.input.kind !== 'texts') return 'Bedrock embeds text only, not token ids';
  const texts = request.input.texts;
  const family = bedrockEmbeddingFamily(model);
  if (family === 'titan') {
    return texts.map((text) => ({ body: { inputText: text, ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}) }, count: 1 }));
  }
  if (family === 'cohere') {
    const inputType = typeof request.extra.input_type === 'string' ? request.extra.input_type : 'search_document';
    return [{ body: { texts, input_type: inputType, embedding_types: ['float'] }, count: texts.length }];
  }
  return `${model} is not a Bedrock embedding model the proxy can call`;
}

/** One InvokeModel answer → its vectors and token count, or why it is not an embeddings answer. */
export function parseBedrockEmbeddings(json: unknown, count: number): { vectors: number[][]; inputTokens?: number } | string {
  const body = json as { embedding?: unknown; inputTextTokenCount?: unknown; embeddings?: unknown } | null;
  const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => typeof n === 'number');
  if (isVector(body?.embedding)) {
    return { vectors: [body.embedding], ...(typeof body.inputTextTokenCount === 'number' ? { inputTokens: body.inputTextTokenCount } : {}) };
  }
  // Cohere: `embeddings` is the list itself, or `{float: [...]}` when embedding_types was given.
  const list = Array.isArray(body?.embeddings) ? body.embeddings : (body?.embeddings as { float?: unknown } | undefined)?.float;
  if (Array.isArray(list) && list.length === count && list.every(isVector)) return { vectors: list };
  return 'Bedrock answered no embeddings';
}

/** The answers of every call joined: vectors in input order, tokens summed when every call counted. */
export function joinBedrockEmbeddings(parts: { vectors: number[][]; inputTokens?: number }[], model: string): Embeddings {
  const counted = parts.every((p) => p.inputTokens !== undefined);
  return {
    vectors: parts.flatMap((p) => p.vectors),
    model,
    ...(counted ? { inputTokens: parts.reduce((sum, p) => sum + (p.inputTokens ?? 0), 0) } : {}),
  };
}

/** InvokeModel on a Titan or Cohere embedding model; Titan's calls (one per text) run in parallel. */
export async function embedBedrock(request: EmbeddingRequest, target: TargetCall, io: ProviderIO): Promise<EmbedResult> {
  const region = target.provider.region;
  if (!region) return { ok: false, failure: { kind: 'unsupported', message: `provider "${target.provider.name}" has no Bedrock region` } };
  const calls = buildBedrockEmbedBodies(request, target.model);
  if (typeof calls === 'string') return { ok: false, failure: { kind: 'unsupported', message: calls } };
  try {
    const [client, { InvokeModelCommand }] = await Promise.all([bedrockClient(region, target.provider.baseUrl), bedrockSdk()]);
    const parts = await Promise.all(
      calls.map(async (call) => {
        const answer = await client.send(
          new InvokeModelCommand({ modelId: target.model, contentType: 'application/json', accept: 'application/json', body: new TextEncoder().encode(JSON.stringify(call.body)) }),
          { abortSignal: io.signal },
        );
        return parseBedrockEmbeddings(JSON.parse(new TextDecoder().decode(answer.body)) as unknown, call.count);
      }),
    );
    const bad = parts.find((p): p is string => typeof p === 'string');
    if (bad !== undefined) return { ok: false, failure: { kind: 'server', message: bad } };
    return { ok: true, embeddings: joinBedrockEmbeddings(parts as Exclude<(typeof parts)[number], string>[], target.model) };
  } catch (error) {
    return { ok: false, failure: error instanceof SyntaxError ? { kind: 'server', message: 'Bedrock answered with a body that is not JSON' } : classifySendError(error, io.signal) };
  }
}
