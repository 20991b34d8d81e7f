import type { ResponseStoreSettings } from '../config/schema.ts';
import { clientError, type ClientError } from '../ir/client-error.ts';

/** What the proxy keeps of one Responses API answer it served: the whole conversation as items. */
export interface StoredResponse {
  /** The request's input items (after its own previous_response_id was expanded), then the output items. */
  items: unknown[];
}

/**
 * The proxy's store of Responses API conversations (opt-in: `responses.store`). `owner` is the
 * caller's client key id, so one key can never continue another's conversation. Implementations
 * never throw: a store that cannot answer says `undefined` (get) or drops the write (put).
 */
export interface ResponseStore {
  get(owner: string, id: string): Promise<StoredResponse | undefined>;
  put(owner: string, id: string, value: StoredResponse, ttlSeconds: number): Promise<void>;
}

/** The owner of a caller's conversations: its client key id, or `local` where keys are off. */
export function storeOwner(keyId: string | undefined): string {
  return keyId ?? 'local';
}

/**
 * Continues a stored conversation: a request with `previous_response_id` the store holds gets the
 * stored items put in front of its own input and loses the id, so any target of any kind can serve
 * it. This is the one DynamoDB read a request waits for (a single GetItem): the request cannot be
 * built without it. An id the store does not hold is left in place — it may be a provider's own
 * (core/responses-targets.ts sends it to Responses targets only).
 */
export async function expandPrevious(body: Record<string, unknown>, store: ResponseStore, owner: string): Promise<{ ok: true } | { ok: false; error: ClientError }> {
  const previous = body.previous_response_id;
  if (typeof previous !== 'string' || previous === '') return { ok: true };
  const stored = await store.get(owner, previous);
  if (!stored) return { ok: true };
  const input = body.input;
  const own = typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? input : undefined;
  if (!own) return { ok: false, error: clientError(400, 'invalid_request', 'input must be a string or an array of items', { param: 'input' }) };
  body.input = [...stored.items, ...own];
  delete body.previous_response_id;
  return { ok: true };
}

/** The conversation to store after an answer, or undefined when it must not be kept. */
export function conversationToStore(
  body: Record<string, unknown>,
  response: Record<string, unknown>,
  settings: ResponseStoreSettings,
): { value: StoredResponse; bytes: number } | { tooLarge: number } | undefined {
  // `store: false` (what Codex sends) means keep nothing; the Responses API's default is to store.
  if (!settings.enabled || body.store === false || response.status !== 'completed') return undefined;
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input : [];
  const output = Array.isArray(response.output) ? response.output : [];
  const value: StoredResponse = { items: [...input, ...output] };
  const bytes = Buffer.byteLength(JSON.stringify(value));
  return bytes > settings.maxBytes ? { tooLarge: bytes } : { value, bytes };
}

interface KeeperArgs {
  store: ResponseStore | undefined;
  settings: ResponseStoreSettings;
  owner: string;
  body: Record<string, unknown>;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * One Responses request's dealings with the store: `prepare` before parsing (the one read a
 * request may wait for), `watch` to see the final response object, `save` after the answer has
 * been sent (off the request's decision path; Lambda awaits it with the request's other
 * after-work). Without a store, or with the store off, every step does nothing.
 */
export class ConversationKeeper {
  private response: Record<string, unknown> | undefined;
  private id: string | undefined;

  private readonly args: KeeperArgs;

  constructor(args: KeeperArgs) {
    this.args = args;
  }

  private get active(): ResponseStore | undefined {
    return this.args.settings.enabled ? this.args.store : undefined;
  }

  async prepare(): Promise<{ ok: true } | { ok: false; error: ClientError }> {
    const store = this.active;
    return store ? expandPrevious(this.args.body, store, this.args.owner) : { ok: true };
  }

  /**
   * This answer will be stored under the proxy's own response id, so the proxy must render it
   * (the translation lane): a stream passed through carries the provider's id.
   */
  get keeps(): boolean {
    return this.active !== undefined && this.args.body.store !== false;
  }

  /** Lets the rendered response object reach `save` (ResponseMeta.onResponse). */
  watch(meta: { id: string; onResponse?: (response: Record<string, unknown>) => void }): void {
    if (!this.active || this.args.body.store === false) return;
    this.id = meta.id;
    meta.onResponse = (response) => (this.response = response);
  }

  async save(): Promise<void> {
    const store = this.active;
    if (!store || !this.response || !this.id) return;
    const kept = conversationToStore(this.args.body, this.response, this.args.settings);
    if (!kept) return;
    if ('tooLarge' in kept) {
      this.args.log('response not stored: conversation larger than responses.store.maxBytes', { bytes: kept.tooLarge, maxBytes: this.args.settings.maxBytes });
      return;
    }
    await store.put(this.args.owner, this.id, kept.value, this.args.settings.ttlSeconds);
  }
}
