import type { ChatRequest } from '../../ir/request.ts';

/**
 * Prompt-cache affinity. Interchangeable targets (a `group`: the same model on two providers or
 * deployments) are ordered per conversation by weighted rendezvous hashing of a session key, so a
 * conversation keeps returning to the member whose prompt cache is warm, while different
 * conversations spread by weight. Adding or removing a member moves only the conversations that
 * member wins or loses. Failover ignores affinity: the other members follow in their own hash
 * order, then the rest of the chain.
 */

/** Characters of each text hashed from its start and from its end (the whole text when shorter). */
const HASHED_EDGE_CHARS = 2_048;

/**
 * The session key: the `x-understudy-session` header when the caller sends one, else a hash of
 * the system prompt and the first user message — the prefix every later turn of the conversation
 * repeats. Long texts are hashed by their two ends and their length (bounded cost; a collision only
 * sends two conversations to the same member).
 */
export function sessionKey(request: ChatRequest, header: string | null): number {
  if (header) return fnv1a(header, FNV_OFFSET);
  let h = FNV_OFFSET;
  for (const part of request.system) h = hashEdges(part.text, h);
  const firstUser = request.messages.find((m) => m.role === 'user');
  if (firstUser) for (const part of firstUser.content) if (part.type === 'text') h = hashEdges(part.text, h);
  return h;
}

export interface Weighted {
  /** Stable identity of the member (provider/model). */
  key: string;
  weight: number;
}

/**
 * The members in rendezvous order for this session: the winner first. Each member scores
 * `-weight / ln(u)` with `u` a uniform draw from hash(session, member), the weighted form of
 * highest-random-weight hashing: a member of weight 2 wins twice as many sessions as one of weight 1.
 */
export function rendezvousOrder<T extends Weighted>(members: readonly T[], session: number): T[] {
  const scored = members.map((member) => {
    const u = (mix32(session ^ keyHash(member.key)) + 0.5) / 4_294_967_296;
    return { member, score: -member.weight / Math.log(u) };
  });
  scored.sort((a, b) => b.score - a.score);
  return scored.map((s) => s.member);
}

const FNV_OFFSET = 0x811c9dc5;

function fnv1a(text: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function hashEdges(text: string, seed: number): number {
  if (text.length <= 2 * HASHED_EDGE_CHARS) return fnv1a(text, seed);
  const head = fnv1a(text.slice(0, HASHED_EDGE_CHARS), seed);
  const tail = fnv1a(text.slice(-HASHED_EDGE_CHARS), head);
  return mix32(tail ^ text.length);
}

const keyHashes = new Map<string, number>();
function keyHash(key: string): number {
  let h = keyHashes.get(key);
  if (h === undefined) {
    h = mix32(fnv1a(key, FNV_OFFSET));
    if (keyHashes.size < 10_000) keyHashes.set(key, h);
  }
  return h;
}

/** murmur3's finaliser: spreads every input bit over the output, so nearby keys draw apart. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
