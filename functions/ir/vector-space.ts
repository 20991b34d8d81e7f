/**
 * Which embedding targets are interchangeable. A vector is only comparable with vectors of the
 * same model (and the same dimensions): an index built with one model answers nonsense, silently,
 * to a query embedded by another. So an embeddings alias may fail over only between targets that
 * produce the same vectors — the same model on another provider, region or deployment — and
 * validation refuses an alias whose targets disagree.
 */

/** The embedding model family a model id names, without the provider's decorations. */
export function embeddingFamily(model: string): string {
  return model
    .toLowerCase()
    .replace(/^models\//, '') // Gemini's resource name
    .replace(/^.*\//, '') // vendor paths (OpenRouter `openai/…`, Together `BAAI/…`)
    .replace(/^(?:[a-z]{2}|apac|global)\.(?=[a-z]+\.)/, '') // Bedrock cross-region inference profiles
    .replace(/^(?:amazon|cohere)\./, '')
    .replace(/:\d+$/, ''); // Bedrock model versions
}

/** A target's vector space: its explicit `vectorSpace` label, or else the family of its model. */
export function vectorSpaceOf(target: { model: string; vectorSpace?: string | undefined }): string {
  return target.vectorSpace ?? embeddingFamily(target.model);
}

/** Bedrock embedding models the proxy can call (InvokeModel bodies differ per family). */
export function bedrockEmbeddingFamily(model: string): 'titan' | 'cohere' | undefined {
  const family = embeddingFamily(model);
  if (family.startsWith('titan-embed-')) return 'titan';
  if (family.startsWith('embed-')) return 'cohere';
  return undefined;
}
