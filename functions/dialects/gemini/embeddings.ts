import type { ProviderIO, TargetCall } from '../../ir/dialect.ts';
import type { EmbeddingRequest, Embeddings, EmbedResult } from '../../ir/embeddings.ts';
import { postJson } from '../shared/post-json.ts';
import { baseUrl, headers } from './endpoint.ts';
import { failureFromResponse } from './errors.ts';

/** The model's resource name (`models/…`), as Gemini's embedding requests name it. */
export function geminiModelName(model: string): string {
  return model.startsWith('models/') ? model : `models/${model}`;
}

/**
 * An embeddings request → a `batchEmbedContents` body (one request per text: the batch call
 * serves a single text as well, so there is one code path). Token-id input has no Gemini form.
 */
export function buildGeminiEmbedBody(request: EmbeddingRequest, model: string): Record<string, unknown> | string {
  if (request.input.kind !== 'texts') return 'Gemini embeds text only, not token ids';
  const name = geminiModelName(model);
  return {
    requests: request.input.texts.map((text) => ({
      model: name,
      content: { parts: [{ text }] },
      ...(request.dimensions !== undefined ? { outputDimensionality: request.dimensions } : {}),
    })),
  };
}

/** A `batchEmbedContents` answer → vectors in input order, or why it is not one. Gemini counts no tokens. */
export function parseGeminiEmbeddings(json: unknown, count: number, model: string): Embeddings | string {
  const embeddings = (json as { embeddings?: unknown } | null)?.embeddings;
  if (!Array.isArray(embeddings)) return 'Gemini answered without embeddings';
  if (embeddings.length !== count) return `Gemini answered ${embeddings.length} embeddings for ${count} inputs`;
  const vectors: number[][] = [];
  for (const item of embeddings) {
    const values = (item as { values?: unknown } | null)?.values;
    if (!Array.isArray(values) || !values.every((n) => typeof n === 'number')) return 'Gemini answered with a malformed embedding';
    vectors.push(values as number[]);
  }
  return { vectors, model };
}

/** `POST /v1beta/models/{model}:batchEmbedContents`. */
export async function embedGemini(request: EmbeddingRequest, target: TargetCall, io: ProviderIO): Promise<EmbedResult> {
  const body = buildGeminiEmbedBody(request, target.model);
  if (typeof body === 'string') return { ok: false, failure: { kind: 'unsupported', message: body } };
  const model = target.model.replace(/^models\//, '');
  const url = `${baseUrl(target)}/v1beta/models/${encodeURIComponent(model)}:batchEmbedContents`;
  const called = await postJson(io, { url, headers: headers(target, true), body }, 'Gemini', failureFromResponse);
  if (!called.ok) return called;
  const parsed = parseGeminiEmbeddings(called.json, (body.requests as unknown[]).length, model);
  return typeof parsed === 'string' ? { ok: false, failure: { kind: 'server', message: parsed } } : { ok: true, embeddings: parsed };
}
