import { bedrockEmbeddingFamily, vectorSpaceOf } from '../ir/vector-space.ts';

interface AliasShape {
  kind: 'chat' | 'embeddings';
  targets: { provider: string; model: string; vectorSpace?: string | undefined }[];
  shadow?: unknown;
}

export interface AliasIssue {
  /** Below `aliases.<name>`. */
  path: (string | number)[];
  message: string;
}

/** Provider kinds with an embeddings API the proxy speaks. */
const EMBEDDING_KINDS = new Set(['openai', 'openai-compatible', 'azure-openai', 'mistral', 'together', 'fireworks', 'openrouter', 'ollama', 'gemini', 'bedrock']);

/**
 * The rules of embeddings aliases (ir/vector-space.ts says why): every target speaks an
 * embeddings API, a Bedrock model is one of the families the proxy can call, and all targets share
 * one vector space. No shadow traffic (there is no answer text to compare), and `vectorSpace` only
 * on embeddings aliases. Targets naming unknown providers are reported elsewhere.
 */
export function embeddingsIssues(alias: AliasShape, providers: Record<string, { kind: string }>): AliasIssue[] {
  const issues: AliasIssue[] = [];
  if (alias.kind !== 'embeddings') {
    alias.targets.forEach((t, i) => {
      if (t.vectorSpace !== undefined) issues.push({ path: ['targets', i, 'vectorSpace'], message: 'vectorSpace is for aliases of kind "embeddings"' });
    });
    return issues;
  }
  if (alias.shadow !== undefined) issues.push({ path: ['shadow'], message: 'an embeddings alias takes no shadow traffic' });
  const first = alias.targets[0];
  const space = first ? vectorSpaceOf(first) : undefined;
  alias.targets.forEach((t, i) => {
    const kind = providers[t.provider]?.kind;
    if (kind !== undefined && !EMBEDDING_KINDS.has(kind)) {
      issues.push({ path: ['targets', i, 'provider'], message: `provider "${t.provider}" (kind "${kind}") has no embeddings API the proxy speaks` });
    }
    if (kind === 'bedrock' && !bedrockEmbeddingFamily(t.model)) {
      issues.push({ path: ['targets', i, 'model'], message: `"${t.model}" is not Titan or Cohere embeddings` });
    }
    if (i > 0 && vectorSpaceOf(t) !== space) {
      issues.push({
        path: ['targets', i, 'vectorSpace'],
        message: `vector space "${vectorSpaceOf(t)}" differs from targets[0]'s "${space}": a failover would return vectors of another model (label both with one vectorSpace only if they produce the same vectors)`,
      });
    }
  });
  return issues;
}
