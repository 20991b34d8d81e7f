import { clientError, type ClientError } from '../ir/client-error.ts';
import type { ChatRequest } from '../ir/request.ts';
import type { ResolvedAlias } from './compiled-config.ts';

/**
 * The alias as a Responses API client sees it. A target whose provider serves the Responses API is
 * reached through it (same API both sides); any other through translation. A request that leans on
 * `previous_response_id` (a conversation held at a provider, not sent by the client) can be served
 * only by a Responses target: the others cannot see that conversation and are left out, and when
 * none is left the caller gets a 400 that says why. (With the proxy's own store the conversation is
 * expanded before this point and every target can serve: core/response-store.ts.)
 */
export function aliasForResponses(alias: ResolvedAlias, request: ChatRequest): { ok: true; alias: ResolvedAlias } | { ok: false; error: ClientError } {
  const previous = request.passthrough?.dialect === 'openai-responses' ? request.passthrough.fields.previous_response_id : undefined;
  let targets = alias.targets.map((t) => (t.responses && t.dialect !== t.responses ? { ...t, dialect: t.responses } : t));
  if (typeof previous === 'string') {
    targets = targets.filter((t) => t.dialect.dialect === 'openai-responses');
    if (targets.length === 0) {
      const message =
        `previous_response_id "${previous}" refers to a conversation held by a Responses API provider, and no target of alias "${alias.name}" serves ` +
        `the Responses API (others cannot see that conversation). Send the whole conversation in input (store: false), or enable the proxy's response store.`;
      return { ok: false, error: clientError(400, 'invalid_request', message, { param: 'previous_response_id', code: 'previous_response_not_found' }) };
    }
  }
  return { ok: true, alias: targets === alias.targets ? alias : { ...alias, targets } };
}
