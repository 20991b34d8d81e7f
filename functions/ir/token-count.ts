import type { Failure } from './failure.ts';
import type { ChatRequest } from './request.ts';

/**
 * A token count request (Anthropic's `POST /v1/messages/count_tokens`): the canonical form when
 * the body parsed into it, and always the client's own body, which an Anthropic target receives
 * with only the model replaced (so blocks the IR does not model are still counted).
 */
export interface CountRequest {
  /** The alias the client asked for. */
  model: string;
  /** Undefined when the body holds something the IR does not model: only Anthropic can count it. */
  chat?: ChatRequest;
  body: Record<string, unknown>;
  /** The client called the beta form (`?beta=true`, the Anthropic SDK's `client.beta`): an Anthropic target gets it too. */
  beta: boolean;
}

export type CountResult = { ok: true; inputTokens: number } | { ok: false; failure: Failure };
