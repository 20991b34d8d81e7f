import type { EncryptedReasoning, ReasoningPart } from '../../ir/request.ts';

/**
 * What a Responses client gets in a reasoning item's `encrypted_content`, and how the proxy reads
 * it back. The client returns these items verbatim on its next turn (Codex sends
 * `include: ["reasoning.encrypted_content"]` with `store: false`), so the token is where the proxy
 * remembers, without state, who issued the reasoning:
 *
 * - `understudy.1:<provider>:r:<item id>:<data>` — a Responses provider's encrypted_content
 *   (`data`) and the id of the item it came in, issued by the named provider: only that provider
 *   gets it back, unwrapped, under its own item id (the client saw the proxy's item id);
 * - `understudy.1:<provider>:s:<signature>` — an Anthropic/Bedrock thinking signature, so a
 *   thinking turn can be replayed to the provider kind that signed it (Anthropic requires it when
 *   thinking meets tool use);
 * - anything else — encrypted_content from an upstream the proxy did not wrap (the pass-through
 *   lane forwards bytes as they are): issuer unknown, sent to Responses targets only.
 *
 * Real encrypted_content and signatures are base64 and never contain `:`; provider names are
 * URI-encoded. Nothing is forged: every token carries exactly what its issuer produced.
 */
const PREFIX = 'understudy.1:';

/** The reasoning part's fields (`signature` or `encrypted`) for a client's `encrypted_content`. */
export function readReasoningToken(token: string, itemId: string | undefined): Pick<ReasoningPart, 'signature' | 'encrypted'> {
  if (token.startsWith(PREFIX)) {
    const rest = token.slice(PREFIX.length);
    const first = rest.indexOf(':');
    const kind = rest.slice(first + 1, first + 3);
    if (first > 0 && (kind === 'r:' || kind === 's:')) {
      const issuer = decodeURIComponent(rest.slice(0, first));
      const data = rest.slice(first + 3);
      if (kind === 's:') return { signature: data };
      const colon = data.indexOf(':');
      const ownId = colon > 0 ? data.slice(0, colon) : itemId;
      return { encrypted: { data: data.slice(colon + 1), issuer, ...(ownId ? { itemId: ownId } : {}) } };
    }
  }
  return { encrypted: { data: token, ...(itemId ? { itemId } : {}) } };
}

/** The `encrypted_content` the proxy hands a client for a reasoning part served by `provider`. */
export function writeReasoningToken(part: { signature?: string; encrypted?: EncryptedReasoning }, provider: string | undefined): string | undefined {
  const issuer = encodeURIComponent(part.encrypted?.issuer ?? provider ?? 'unknown');
  if (part.encrypted) return `${PREFIX}${issuer}:r:${part.encrypted.itemId ?? ''}:${part.encrypted.data}`;
  if (part.signature) return `${PREFIX}${issuer}:s:${part.signature}`;
  return undefined;
}

/** Whether a Responses target may receive this encrypted reasoning: its issuer, or an unknown one. */
export function mayReceive(encrypted: EncryptedReasoning, provider: string): boolean {
  return encrypted.issuer === undefined || encrypted.issuer === provider;
}
