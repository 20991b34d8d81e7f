import type { Failure } from './failure.ts';

/**
 * The canonical embeddings request, parsed from OpenAI's `POST /v1/embeddings`. Every provider
 * dialect that serves embeddings builds its own call from it and answers with plain vectors.
 */
export interface EmbeddingRequest {
  /** The alias the client asked for. */
  model: string;
  /** Texts, or (OpenAI-style targets only) token id arrays. */
  input: { kind: 'texts'; texts: string[] } | { kind: 'tokens'; tokens: number[][] };
  /** How the client wants the vectors: JSON numbers, or base64 of little-endian float32. */
  encodingFormat: 'float' | 'base64';
  /** Requested output dimensions (models that can shorten their vectors). */
  dimensions?: number;
  /** Fields of the client's body the IR does not model (`user` …): sent on to OpenAI-style targets. */
  extra: Record<string, unknown>;
}

export interface Embeddings {
  /** One vector per input, in input order. */
  vectors: number[][];
  /** The model as the provider named it. */
  model: string;
  /** Input tokens the provider counted; undefined when it reports none. */
  inputTokens?: number;
}

export type EmbedResult = { ok: true; embeddings: Embeddings } | { ok: false; failure: Failure };
