import { describe, expect, it } from 'vitest';
import type { ResolvedTarget } from '../../../functions/core/compiled-config.ts';
import { rendezvousOrder, sessionKey } from '../../../functions/core/routing/affinity.ts';
import { withAffinity } from '../../../functions/core/routing/choose-route.ts';
import type { ChatRequest } from '../../../functions/ir/request.ts';

const request = (system: string, first: string, ...later: string[]): ChatRequest => ({
  model: 'm',
  system: system ? [{ type: 'text', text: system }] : [],
  messages: [first, ...later].map((text, i) => (i % 2 === 0 ? { role: 'user', content: [{ type: 'text', text }] } : { role: 'assistant', content: [{ type: 'text', text }] })),
  stream: false,
});

const target = (key: string, weight: number) => ({ key, weight, group: 'g' }) as unknown as ResolvedTarget;
const plain = (key: string) => ({ key }) as unknown as ResolvedTarget;

describe('affinity: weighted rendezvous hashing', () => {
  it('splits 1,000 sessions by weight within 3 percentage points', () => {
    const members = [
      { key: 'openai/gpt-4o', weight: 3 },
      { key: 'azure/gpt-4o', weight: 1 },
    ];
    const wins = new Map<string, number>();
    for (let s = 0; s < 1_000; s++) {
      const winner = rendezvousOrder(members, sessionKey(request('', ''), `session-${s}`))[0]!.key;
      wins.set(winner, (wins.get(winner) ?? 0) + 1);
    }
    expect(Math.abs(wins.get('openai/gpt-4o')! / 1_000 - 0.75)).toBeLessThan(0.03);

    const three = [
      { key: 'a/m', weight: 1 },
      { key: 'b/m', weight: 1 },
      { key: 'c/m', weight: 2 },
    ];
    const counts = new Map<string, number>();
    for (let s = 0; s < 1_000; s++) {
      const winner = rendezvousOrder(three, sessionKey(request('', ''), `conversation ${s}`))[0]!.key;
      counts.set(winner, (counts.get(winner) ?? 0) + 1);
    }
    expect(Math.abs(counts.get('a/m')! / 1_000 - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(counts.get('b/m')! / 1_000 - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(counts.get('c/m')! / 1_000 - 0.5)).toBeLessThan(0.03);
  });

  it('keeps a conversation on its member as it grows (system prompt + first user message), and a header wins', () => {
    const opening = request('You are a careful assistant.', 'Refactor this module please');
    const later = request('You are a careful assistant.', 'Refactor this module please', 'Sure, here it is', 'Now add tests');
    expect(sessionKey(later, null)).toBe(sessionKey(opening, null));
    expect(sessionKey(request('other system', 'Refactor this module please'), null)).not.toBe(sessionKey(opening, null));
    expect(sessionKey(opening, 'abc')).toBe(sessionKey(request('x', 'y'), 'abc'));
    // Long prompts are hashed by their two ends and length: the end of a long first message still counts.
    const longA = request('', `${'same preamble '.repeat(1_000)} task A`);
    const longB = request('', `${'same preamble '.repeat(1_000)} task B`);
    expect(sessionKey(longA, null)).not.toBe(sessionKey(longB, null));
  });

  it('moves only the sessions of a member that leaves the group', () => {
    const full = [target('a/m', 1), target('b/m', 1), target('c/m', 1)];
    const without = full.filter((t) => t.key !== 'c/m');
    let moved = 0;
    for (let s = 0; s < 500; s++) {
      const key = sessionKey(request('', ''), `s${s}`);
      const before = withAffinity(full, key)[0]!.key;
      const after = withAffinity(without, key)[0]!.key;
      if (before !== 'c/m' && before !== after) moved++;
    }
    expect(moved).toBe(0);
  });

  it('reorders only the runs of a group and leaves the rest of the chain in place', () => {
    const chain = [plain('x/first'), target('a/m', 1), target('b/m', 1), plain('z/last')];
    for (let s = 0; s < 20; s++) {
      const ordered = withAffinity(chain, sessionKey(request('', ''), `s${s}`)).map((t) => t.key);
      expect(ordered[0]).toBe('x/first');
      expect(ordered[3]).toBe('z/last');
      expect(new Set(ordered.slice(1, 3))).toEqual(new Set(['a/m', 'b/m']));
    }
  });
});
