import { parseAnthropicCountRequest } from '../dialects/anthropic/parse-request.ts';
import { parseEmbeddingRequest, renderEmbeddings } from '../dialects/openai/embeddings.ts';
import { estimateInputTokens, estimateTextTokens } from '../dialects/shared/token-estimate.ts';
import { clientError, type ClientError } from '../ir/client-error.ts';
import type { IngressDialect } from '../ir/dialect.ts';
import type { EmbeddingRequest, Embeddings } from '../ir/embeddings.ts';
import type { CountRequest } from '../ir/token-count.ts';
import { lookupAlias, recordedAlias } from './alias-lookup.ts';
import type { Failed, LoopDeps } from './attempt-loop.ts';
import type { CompiledConfig, ResolvedAlias, ResolvedTarget } from './compiled-config.ts';
import type { ProxyRequest, ProxyResponse } from './exchange.ts';
import type { AttemptRecord, RequestRecord, Telemetry } from './ports.ts';
import { checkRequestShape } from './request-shape.ts';
import { attemptsHeader, errorResponse } from './respond.ts';
import { scrubClientError } from './scrub-error.ts';
import { runUnaryAttempts, type UnaryCall, type UnaryServed } from './unary-attempts.ts';

/** Says whether a token count came from a provider or from the proxy's own estimate. */
export const TOKEN_COUNT_HEADER = 'x-understudy-token-count';

export interface UnaryRouteDeps {
  compiled: CompiledConfig;
  loop: LoopDeps;
  telemetry: Telemetry;
  requestId: string;
  started: number;
  /** Client headers an Anthropic target may receive (`anthropic-beta`). */
  forwarded: Record<string, string>;
  allowed?: string[];
  deadline?: number;
  signal?: AbortSignal;
}

type Routed = { response: ProxyResponse; done: Promise<void> };

/**
 * What count_tokens and embeddings share: the body read and parsed, the alias checked for the
 * route's kind, the attempt loop run over the targets that can make the call, and one request
 * record for the log line and metrics.
 */
async function serveUnary<R extends { model: string }, T>(
  request: ProxyRequest,
  deps: UnaryRouteDeps,
  route: {
    ingress: IngressDialect;
    kind: ResolvedAlias['kind'];
    parse: (json: unknown) => { ok: true; request: R } | { ok: false; error: ClientError };
    /** The targets that can serve this request, in order. */
    able: (target: ResolvedTarget, request: R) => boolean;
    call: (request: R) => UnaryCall<T>;
    /** The answer when the loop served; `none` when no target could, `failed` when all that could failed. */
    respond: (parsed: R, outcome: UnaryServed<T> | { kind: 'none' } | Failed) => { status: number; body: string; headers: Record<string, string>; inputTokens?: number } | ClientError;
  },
): Promise<Routed> {
  const record: RequestRecord = { requestId: deps.requestId, ingress: route.ingress.name, alias: '', stream: false, status: 0, attempts: [], durationMs: 0 };
  const finish = (response: ProxyResponse, extra: Partial<RequestRecord> = {}): Routed => {
    Object.assign(record, extra, { status: response.status, durationMs: deps.loop.clock.now() - deps.started });
    deps.telemetry.request(record);
    return { response, done: Promise.resolve() };
  };
  const fail = (error: ClientError, headers: Record<string, string> = {}, extra: Partial<RequestRecord> = {}) =>
    finish(errorResponse(route.ingress, error, { 'x-request-id': deps.requestId, ...headers }), { errorType: error.type, ...extra });

  const limit = deps.compiled.config.limits.maxBodyBytes;
  const body = await request.readBody(limit).catch(() => undefined);
  if (!body) return fail(clientError(400, 'invalid_request', 'the request body could not be read'));
  if (!body.ok) return fail(clientError(413, 'request_too_large', `the request body exceeds ${limit} bytes`, { code: 'request_too_large' }));
  let json: unknown;
  try {
    json = JSON.parse(body.bytes.toString('utf8'));
  } catch {
    return fail(clientError(400, 'invalid_request', 'the request body is not valid JSON'));
  }
  // Before any attempt: a hostile shape must never reach (and trip) a shared upstream.
  const misshapen = checkRequestShape(json, deps.compiled.config.limits);
  if (misshapen) return fail(misshapen);
  const parsed = route.parse(json);
  if (!parsed.ok) return fail(parsed.error);
  Object.assign(record, recordedAlias(deps.compiled, parsed.request.model));
  const found = lookupAlias(deps.compiled, parsed.request.model, route.kind, deps.allowed);
  if (!found.ok) return fail(found.error, {}, found.exhausted ? { exhausted: true } : {});
  const alias = found.alias;

  const targets = alias.targets.filter((t) => route.able(t, parsed.request));
  let outcome: UnaryServed<T> | { kind: 'none' } | Failed = { kind: 'none' };
  if (targets.length > 0) {
    const deadline = Math.min(deps.started + alias.policy.totalTimeoutMs, deps.deadline ?? Infinity);
    outcome = await runUnaryAttempts(
      {
        alias,
        targets,
        deadline,
        forwardHeaders: (target) => (target.dialect.dialect === 'anthropic' ? deps.forwarded : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
      },
      deps.loop,
      route.call(parsed.request),
    );
    record.attempts = outcome.records as AttemptRecord[];
  }
  const attempts: Record<string, string> = outcome.kind === 'none' ? {} : { 'x-understudy-attempts': attemptsHeader(outcome) };
  if (outcome.kind === 'failed' && outcome.cancelled) return fail(outcome.error, attempts, { cancelled: true });
  const answer = route.respond(parsed.request, outcome);
  if ('type' in answer) return fail(scrubClientError(answer, deps.compiled), attempts, outcome.kind === 'failed' ? { exhausted: outcome.exhausted } : {});
  const served = outcome.kind === 'served' ? outcome.target : undefined;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': deps.requestId,
    ...attempts,
    ...(served ? { 'x-understudy-provider': served.provider.name, 'x-understudy-model': served.model } : {}),
    ...answer.headers,
  };
  return finish({ status: answer.status, headers, body: answer.body }, {
    ...(served ? { servedBy: { provider: served.provider.name, model: served.model, primary: served.key === alias.primary } } : {}),
    ...(answer.inputTokens !== undefined ? { usage: { inputTokens: answer.inputTokens, outputTokens: 0 } } : {}),
  });
}

/**
 * `POST /v1/messages/count_tokens` (Anthropic's format): the first target that can count
 * (Anthropic; Bedrock Claude through CountTokens), with failover. When no target can count, or
 * every one that can failed at the provider, the proxy's own estimate answers, and
 * `x-understudy-token-count: estimate` says so (`provider` otherwise). A caller's error (a 400 from
 * the provider) is returned as such.
 */
export function serveCountTokens(request: ProxyRequest, deps: UnaryRouteDeps, ingress: IngressDialect, beta: boolean): Promise<Routed> {
  return serveUnary<CountRequest, number>(request, deps, {
    ingress,
    kind: 'chat',
    parse: (json) => parseAnthropicCountRequest(json, beta),
    able: (target) => target.dialect.countTokens !== undefined && (target.dialect.canCountTokens?.(target.model) ?? false),
    call: (count) => async (target, io, dialect) => {
      const counted = await dialect.countTokens!(count, target, io);
      return counted.ok ? { ok: true, value: counted.inputTokens } : counted;
    },
    respond: (count, outcome) => {
      if (outcome.kind === 'failed' && !outcome.exhausted) return outcome.error;
      const counted = outcome.kind === 'served';
      const tokens = counted ? outcome.value : count.chat ? estimateInputTokens(count.chat) : estimateTextTokens(JSON.stringify(count.body));
      return { status: 200, body: JSON.stringify({ input_tokens: tokens }), headers: { [TOKEN_COUNT_HEADER]: counted ? 'provider' : 'estimate' }, inputTokens: tokens };
    },
  });
}

/**
 * `POST /v1/embeddings` (OpenAI's format) on an alias of kind `embeddings`, whose targets all
 * produce the same vectors (config/embeddings-alias.ts): failover never mixes vector spaces.
 * `usage.prompt_tokens` is the provider's count, or the proxy's estimate where the provider counts
 * none (Gemini, Cohere on Bedrock): `x-understudy-token-count` says which.
 */
export function serveEmbeddings(request: ProxyRequest, deps: UnaryRouteDeps, ingress: IngressDialect): Promise<Routed> {
  return serveUnary<EmbeddingRequest, Embeddings>(request, deps, {
    ingress,
    kind: 'embeddings',
    parse: parseEmbeddingRequest,
    able: (target) => target.dialect.embed !== undefined,
    call: (embedding) => async (target, io, dialect) => {
      const embedded = await dialect.embed!(embedding, target, io);
      return embedded.ok ? { ok: true, value: embedded.embeddings } : embedded;
    },
    respond: (embedding, outcome) => {
      if (outcome.kind === 'failed') return outcome.error;
      if (outcome.kind === 'none') return clientError(400, 'invalid_request', 'no target of this alias serves embeddings', { param: 'model' });
      const counted = outcome.value.inputTokens;
      const input = embedding.input;
      const tokens = counted ?? (input.kind === 'texts' ? input.texts.reduce((sum, text) => sum + estimateTextTokens(text), 0) : input.tokens.reduce((sum, ids) => sum + ids.length, 0));
      return {
        status: 200,
        body: renderEmbeddings(outcome.value, embedding, tokens),
        headers: { [TOKEN_COUNT_HEADER]: counted !== undefined ? 'provider' : 'estimate' },
        inputTokens: tokens,
      };
    },
  });
}
