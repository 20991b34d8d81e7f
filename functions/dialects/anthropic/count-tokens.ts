import type { ProviderIO, TargetCall } from '../../ir/dialect.ts';
import type { CountRequest, CountResult } from '../../ir/token-count.ts';
import { postJson } from '../shared/post-json.ts';
import { buildAnthropicRequest } from './build-request.ts';
import { baseUrl, headers } from './endpoint.ts';
import { failureFromResponse } from './errors.ts';
import { needsRepair } from './pass-through.ts';

/** The fields a count_tokens body takes of a Messages body built from the IR. */
const COUNTED = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking'];

/**
 * The body to count: the client's own, with only the model replaced — unless the model could not
 * take it as sent (a mid-conversation system message for a model without system turns, tool
 * history without tools), which then goes the way a Messages request would (build-request.ts).
 */
function countBody(request: CountRequest, model: string): Record<string, unknown> {
  const chat = request.chat;
  const rebuild = chat && needsRepair(chat, model);
  if (!chat || !rebuild) return { ...request.body, model };
  const built = buildAnthropicRequest(chat, model);
  if (!built.ok) return { ...request.body, model };
  const body: Record<string, unknown> = {};
  for (const key of COUNTED) if (built.body[key] !== undefined) body[key] = built.body[key];
  return body;
}

/** Anthropic's `POST /v1/messages/count_tokens`. */
export async function countAnthropicTokens(request: CountRequest, target: TargetCall, io: ProviderIO): Promise<CountResult> {
  const called = await postJson(
    io,
    { url: `${baseUrl(target)}/v1/messages/count_tokens${request.beta ? '?beta=true' : ''}`, headers: headers(target, true), body: countBody(request, target.model) },
    'Anthropic',
    failureFromResponse,
  );
  if (!called.ok) return called;
  const tokens = (called.json as { input_tokens?: unknown } | null)?.input_tokens;
  if (typeof tokens !== 'number') return { ok: false, failure: { kind: 'server', message: 'Anthropic answered no input_tokens' } };
  return { ok: true, inputTokens: tokens };
}
