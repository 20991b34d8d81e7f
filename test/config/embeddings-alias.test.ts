import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../functions/config/parse-text.ts';
import { embeddingFamily } from '../../functions/ir/vector-space.ts';

const providers = `
providers:
  openai: { kind: openai, apiKey: env:OPENAI_API_KEY }
  azure: { kind: azure-openai, apiKey: env:AZURE_KEY, baseUrl: "https://r.openai.azure.com/openai/v1" }
  router: { kind: openrouter, apiKey: env:OPENROUTER_KEY }
  claude: { kind: anthropic, apiKey: env:ANTHROPIC_API_KEY }
  aws: { kind: bedrock, region: us-east-1 }
  aws-west: { kind: bedrock, region: us-west-2 }
  google: { kind: gemini, apiKey: env:GEMINI_API_KEY }
`;

function errorsOf(aliases: string): string[] {
  const result = parseConfigText(`${providers}aliases:\n${aliases}`);
  return result.ok ? [] : result.errors;
}

describe('embeddings aliases', () => {
  it('the same model on several providers, or targets labelled with one vectorSpace, validate; kind defaults to chat', () => {
    const result = parseConfigText(`${providers}aliases:
  embed:
    kind: embeddings
    targets:
      - { provider: openai, model: text-embedding-3-small }
      - { provider: router, model: openai/text-embedding-3-small }
      - { provider: azure, model: my-deployment, vectorSpace: text-embedding-3-small }
  titan:
    kind: embeddings
    targets:
      - { provider: aws, model: amazon.titan-embed-text-v2:0 }
      - { provider: aws-west, model: amazon.titan-embed-text-v2:0 }
  chat:
    targets: [{ provider: openai, model: gpt-4o }]
`);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(result.ok && result.config.aliases.chat!.kind).toBe('chat');
    expect(result.ok && result.config.aliases.embed!.kind).toBe('embeddings');
  });

  it('refuses an alias that mixes vector spaces, naming the target', () => {
    expect(
      errorsOf(`  embed:
    kind: embeddings
    targets:
      - { provider: openai, model: text-embedding-3-small }
      - { provider: openai, model: text-embedding-3-large }
      - { provider: azure, model: my-deployment }
`),
    ).toEqual([
      'aliases.embed.targets[1].vectorSpace: vector space "text-embedding-3-large" differs from targets[0]\'s "text-embedding-3-small": a failover would return vectors of another model (label both with one vectorSpace only if they produce the same vectors)',
      'aliases.embed.targets[2].vectorSpace: vector space "my-deployment" differs from targets[0]\'s "text-embedding-3-small": a failover would return vectors of another model (label both with one vectorSpace only if they produce the same vectors)',
    ]);
  });

  it('refuses providers without an embeddings API, Bedrock chat models, shadows, and vectorSpace on a chat alias', () => {
    const errors = errorsOf(`  embed:
    kind: embeddings
    targets:
      - { provider: aws, model: anthropic.claude-3-haiku-20240307-v1:0, vectorSpace: v }
      - { provider: claude, model: claude-sonnet-4-5, vectorSpace: v }
    shadow: { target: { provider: openai, model: text-embedding-3-small }, sampleRate: 0.1 }
  chat:
    targets: [{ provider: openai, model: gpt-4o, vectorSpace: v }]
`);
    expect(errors).toEqual(
      expect.arrayContaining([
        'aliases.embed.targets[0].model: "anthropic.claude-3-haiku-20240307-v1:0" is not Titan or Cohere embeddings',
        'aliases.embed.targets[1].provider: provider "claude" (kind "anthropic") has no embeddings API the proxy speaks',
        'aliases.embed.shadow: an embeddings alias takes no shadow traffic',
        'aliases.chat.targets[0].vectorSpace: vectorSpace is for aliases of kind "embeddings"',
      ]),
    );
    expect(errors).toHaveLength(4);
    expect(errorsOf(`  e:\n    kind: vectors\n    targets: [{ provider: openai, model: m }]\n`)).toEqual(['aliases.e.kind: must be one of "chat", "embeddings"']);
  });

  it('reads the model family through provider decorations', () => {
    expect(embeddingFamily('models/gemini-embedding-001')).toBe('gemini-embedding-001');
    expect(embeddingFamily('us.amazon.titan-embed-text-v2:0')).toBe('titan-embed-text-v2');
    expect(embeddingFamily('cohere.embed-english-v3')).toBe('embed-english-v3');
    expect(embeddingFamily('BAAI/bge-large-en-v1.5')).toBe('bge-large-en-v1.5');
  });
});
