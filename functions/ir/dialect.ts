import type { Answer } from './answer.ts';
import type { ClientError } from './client-error.ts';
import type { EmbeddingRequest, EmbedResult } from './embeddings.ts';
import type { StreamEvent } from './events.ts';
import type { Failure } from './failure.ts';
import type { LaneScanner, LaneTracker } from './lane.ts';
import type { ChatRequest, DialectName } from './request.ts';
import type { CountRequest, CountResult } from './token-count.ts';
import type { Upstream } from './upstream.ts';

export type ParseResult = { ok: true; request: ChatRequest } | { ok: false; error: ClientError };

/** What an ingress dialect needs to say about the response it is writing. */
export interface ResponseMeta {
  /** Response id the client sees (stable across the whole stream). */
  id: string;
  /** Unix seconds. */
  created: number;
  /** The served model, as the provider named it (falls back to the target's model). */
  model: string;
  request: ChatRequest;
  /** The configured name of the provider that served (a Responses client's reasoning tokens name it). */
  provider?: string;
  /** Receives the final response object a Responses answer was rendered as (the proxy's response store). */
  onResponse?: (response: Record<string, unknown>) => void;
}

/** Turns IR events into the client's stream format, incrementally. */
export interface StreamEncoder {
  /** Bytes (SSE text) to write for one event; '' when the event produces nothing yet. */
  event(event: StreamEvent): string;
  /** Bytes that close a successful stream (`data: [DONE]`, `message_stop` …). */
  end(): string;
  /** An in-band error that closes the stream after commit; never looks like a clean finish. */
  fail(error: ClientError): string;
}

/** A client-facing API: parses requests and renders answers and errors in its own shape. */
export interface IngressDialect {
  readonly name: DialectName;
  parseRequest(body: unknown): ParseResult;
  renderError(error: ClientError): { status: number; body: string };
  renderAnswer(answer: Answer, meta: ResponseMeta): string;
  createEncoder(meta: ResponseMeta): StreamEncoder;
  /** Follows a stream of this API passed through unchanged (ir/lane.ts); absent: no pass-through lane. */
  laneTracker?(): LaneTracker;
}

/** Everything a provider dialect may know about the provider it calls. Secrets already resolved. */
export interface ProviderSettings {
  /** The provider's name in the config (`openai`, `groq`, …). */
  name: string;
  kind: string;
  /** Base URL following the official SDK's convention (`…/v1` for OpenAI-style). */
  baseUrl?: string;
  apiKey?: string;
  /** Extra static headers from the config (e.g. OpenRouter's `HTTP-Referer`). */
  headers?: Record<string, string>;
  /** Bedrock region. */
  region?: string;
  /** Azure `api-version` (deployment URL form) or Anthropic `anthropic-version`. */
  apiVersion?: string;
}

export interface TargetCall {
  provider: ProviderSettings;
  /** The upstream model name. */
  model: string;
  /** Client headers from the forwarding allowlist (`anthropic-beta`, `openai-beta` …), lower-case. */
  forwardHeaders: Record<string, string>;
}

/** The I/O a provider dialect may use: the Upstream port and the attempt's signal. */
export interface ProviderIO {
  upstream: Upstream;
  signal: AbortSignal;
}

export type OpenResult =
  | { ok: true; events: AsyncIterable<StreamEvent> }
  | { ok: false; failure: Failure };

/** A forwarded call: the upstream's 2xx body, unread, and the scanner for its events. */
export type ForwardResult =
  | { ok: true; body: AsyncIterable<Uint8Array>; scan: LaneScanner }
  | { ok: false; failure: Failure };

export type ProbeResult = { ok: true; latencyMs: number } | { ok: false; failure: Failure; latencyMs: number };

/**
 * A provider-facing API. `open` starts one streamed attempt: it resolves once the provider has
 * answered with headers (or failed before that). Expected failures are values, never throws; a
 * throw is treated as a connection failure by the attempt loop.
 */
export interface ProviderDialect {
  readonly dialect: DialectName;
  open(request: ChatRequest, target: TargetCall, io: ProviderIO): Promise<OpenResult>;
  /**
   * The pass-through lane (ir/lane.ts): the body this target receives when the client speaks its
   * API and the client's own body can go as sent (only the proxy's edits); undefined when it
   * cannot (the proxy must repair it, another API): the attempt then takes the translation lane.
   */
  forwardBody?(request: ChatRequest, target: TargetCall): Record<string, unknown> | undefined;
  /** Sends a `forwardBody`; failures are classified exactly as `open` classifies them. */
  forward?(body: Record<string, unknown>, target: TargetCall, io: ProviderIO): Promise<ForwardResult>;
  /** The cheapest honest liveness check (list models, or a one-token completion). */
  probe(target: TargetCall, io: ProviderIO): Promise<ProbeResult>;
  /** Whether the provider can count tokens for this model (`countTokens` is then called); absent: it cannot. */
  canCountTokens?(model: string): boolean;
  /** The provider's own token count of a request (`POST /v1/messages/count_tokens`). */
  countTokens?(request: CountRequest, target: TargetCall, io: ProviderIO): Promise<CountResult>;
  /** Embeddings (`POST /v1/embeddings`); absent: the provider serves none the proxy speaks. */
  embed?(request: EmbeddingRequest, target: TargetCall, io: ProviderIO): Promise<EmbedResult>;
}
