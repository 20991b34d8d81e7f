import { clientError, type ClientError } from '../../ir/client-error.ts';
import type { ProviderIO, TargetCall } from '../../ir/dialect.ts';
import type { EmbeddingRequest, Embeddings, EmbedResult } from '../../ir/embeddings.ts';
import { postJson } from '../shared/post-json.ts';
import { BadParam, describe, isObject, optionalNumber, type Json } from '../shared/request-fields.ts';
import { failureFromResponse } from './errors.ts';
import { embeddingsUrl, requestHeaders } from './urls.ts';

/** OpenAI's own limit on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;

const MODELLED = new Set(['model', 'input', 'encoding_format', 'dimensions']);

function isTokens(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((n) => Number.isInteger(n) && (n as number) >= 0);
}

function parseInput(raw: unknown): EmbeddingRequest['input'] {
  if (raw === undefined || raw === null) throw new BadParam('input is required', 'input');
  if (typeof raw === 'string') {
    if (raw === '') throw new BadParam('input must not be an empty string', 'input');
    return { kind: 'texts', texts: [raw] };
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new BadParam(`input must be a string or a non-empty array, got ${describe(raw)}`, 'input');
  if (raw.length > MAX_EMBEDDING_INPUTS) throw new BadParam(`input holds ${raw.length} items; at most ${MAX_EMBEDDING_INPUTS}`, 'input');
  if (raw.every((v) => typeof v === 'string')) {
    const empty = raw.findIndex((v) => v === '');
    if (empty >= 0) throw new BadParam(`input[${empty}] must not be an empty string`, `input[${empty}]`);
    return { kind: 'texts', texts: raw as string[] };
  }
  if (isTokens(raw)) return { kind: 'tokens', tokens: [raw] };
  const bad = raw.findIndex((v) => !isTokens(v));
  if (bad >= 0) throw new BadParam(`input[${bad}] must be a string or an array of token ids, not mixed`, `input[${bad}]`);
  return { kind: 'tokens', tokens: raw as number[][] };
}

/** Parses an OpenAI `POST /v1/embeddings` body, or a 400 naming the bad parameter. */
export function parseEmbeddingRequest(body: unknown): { ok: true; request: EmbeddingRequest } | { ok: false; error: ClientError } {
  try {
    if (!isObject(body)) throw new BadParam('the request body must be a JSON object');
    if (typeof body.model !== 'string' || body.model === '') throw new BadParam('model is required (a string)', 'model');
    const input = parseInput(body.input);
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') throw new BadParam(`encoding_format must be "float" or "base64", got ${JSON.stringify(format)}`, 'encoding_format');
    const dimensions = optionalNumber(body, 'dimensions', { integer: true, min: 1 });
    const extra: Json = {};
    for (const [key, value] of Object.entries(body)) if (!MODELLED.has(key)) extra[key] = value;
    const request: EmbeddingRequest = { model: body.model, input, encodingFormat: format, extra };
    if (dimensions !== undefined) request.dimensions = dimensions;
    return { ok: true, request };
  } catch (error) {
    if (!(error instanceof BadParam)) throw error;
    return { ok: false, error: clientError(400, 'invalid_request', error.message, error.param ? { param: error.param } : {}) };
  }
}

/** A vector as OpenAI's base64 form: the little-endian float32 bytes. */
export function vectorToBase64(vector: number[]): string {
  const floats = new Float32Array(vector);
  // Float32Array is platform-endian; every platform Node runs on here is little-endian.
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

export function base64ToVector(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
  return Array.from(floats);
}

/**
 * Vectors → an OpenAI embeddings response in the client's encoding. `prompt_tokens` is the
 * provider's count, or the proxy's estimate when it reports none (the response then says so in a
 * header, see core/embeddings.ts).
 */
export function renderEmbeddings(embeddings: Embeddings, request: EmbeddingRequest, inputTokens: number): string {
  return JSON.stringify({
    object: 'list',
    data: embeddings.vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: request.encodingFormat === 'base64' ? vectorToBase64(vector) : vector,
    })),
    model: embeddings.model,
    usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
  });
}

/** The body for an OpenAI-style target: the client's fields, its model name, the same encoding. */
export function buildOpenAiEmbeddingBody(request: EmbeddingRequest, model: string): Json {
  return {
    ...request.extra,
    model,
    input: request.input.kind === 'texts' ? request.input.texts : request.input.tokens,
    encoding_format: request.encodingFormat,
    ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
  };
}

/** An OpenAI-style embeddings response → vectors in input order, or why it is not one. */
export function parseOpenAiEmbeddings(json: unknown, count: number, fallbackModel: string): Embeddings | string {
  if (!isObject(json) || !Array.isArray(json.data)) return 'the provider answered without a data array';
  const vectors: number[][] = new Array<number[]>(count);
  for (const [position, item] of json.data.entries()) {
    if (!isObject(item)) return 'the provider answered with a malformed embedding';
    const index = typeof item.index === 'number' ? item.index : position;
    const embedding = item.embedding;
    if (typeof embedding === 'string') vectors[index] = base64ToVector(embedding);
    else if (Array.isArray(embedding) && embedding.every((n) => typeof n === 'number')) vectors[index] = embedding as number[];
    else return 'the provider answered with a malformed embedding';
  }
  // A loop, not .some(): .some skips the holes of a sparse array.
  let whole = json.data.length === count;
  for (let i = 0; i < count && whole; i++) whole = vectors[i] !== undefined;
  if (!whole) return `the provider answered ${json.data.length} embeddings for ${count} inputs`;
  const usage = isObject(json.usage) ? json.usage : {};
  return {
    vectors,
    model: typeof json.model === 'string' ? json.model : fallbackModel,
    ...(typeof usage.prompt_tokens === 'number' ? { inputTokens: usage.prompt_tokens } : {}),
  };
}

/** `POST {base}/embeddings` of an OpenAI-style provider. */
export async function embedOpenAi(request: EmbeddingRequest, target: TargetCall, io: ProviderIO): Promise<EmbedResult> {
  const body = buildOpenAiEmbeddingBody(request, target.model);
  const called = await postJson(io, { url: embeddingsUrl(target), headers: requestHeaders(target, 'json'), body }, 'the provider', failureFromResponse);
  if (!called.ok) return called;
  const count = request.input.kind === 'texts' ? request.input.texts.length : request.input.tokens.length;
  const parsed = parseOpenAiEmbeddings(called.json, count, target.model);
  return typeof parsed === 'string' ? { ok: false, failure: { kind: 'server', message: parsed } } : { ok: true, embeddings: parsed };
}
