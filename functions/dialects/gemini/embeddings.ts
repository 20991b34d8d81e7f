import type { EmbeddingRequest, Embeddings } from '../../ir/embeddings.ts';

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
