import { describe, expect, it } from 'vitest';
import { appendBounded, TEXT_BOUND } from '../../functions/core/answer-digest.ts';
import { compare, textSimilarity, type RunOutcome } from '../../functions/core/shadow.ts';

describe('textSimilarity (Jaccard over character trigrams)', () => {
  it('identical texts score 1, whatever the case and spacing', () => {
    expect(textSimilarity('The quick brown fox', 'The quick brown fox')).toBe(1);
    expect(textSimilarity('The  quick\nbrown fox ', 'the quick brown FOX')).toBe(1);
  });

  it('disjoint texts score 0', () => {
    expect(textSimilarity('aaaa', 'bbbb')).toBe(0);
    expect(textSimilarity('hello', 'xyz')).toBe(0);
  });

  it('both empty score 1; one empty scores 0', () => {
    expect(textSimilarity('', '')).toBe(1);
    expect(textSimilarity('  ', '')).toBe(1);
    expect(textSimilarity('something', '')).toBe(0);
  });

  it('partial overlap lies strictly between, and is symmetric', () => {
    const a = 'The zebra is a striped animal';
    const b = 'The zebra is a striped horse';
    const s = textSimilarity(a, b);
    expect(s).toBeGreaterThan(0.4);
    expect(s).toBeLessThan(1);
    expect(textSimilarity(b, a)).toBe(s);
    // abc, bcd vs bcd, cde: one shared of three.
    expect(textSimilarity('abcd', 'bcde')).toBeCloseTo(1 / 3);
  });

  it('short texts are their own gram', () => {
    expect(textSimilarity('ok', 'ok')).toBe(1);
    expect(textSimilarity('ok', 'no')).toBe(0);
  });
});

describe('appendBounded', () => {
  it('keeps at most TEXT_BOUND characters', () => {
    let text = '';
    for (let i = 0; i < 3_000; i++) text = appendBounded(text, 'abcd');
    expect(text).toHaveLength(TEXT_BOUND);
    expect(appendBounded('ab', 'cd')).toBe('abcd');
  });
});

describe('compare', () => {
  const ok = (over: Partial<RunOutcome> = {}): RunOutcome => ({
    ok: true,
    outcome: '200',
    latencyMs: 100,
    usage: { inputTokens: 10, outputTokens: 20 },
    finishReason: 'stop',
    text: 'Hello there',
    ...over,
  });

  it('both ok: latency delta (shadow minus served), tokens, finish match, similarity', () => {
    expect(compare(ok(), ok({ latencyMs: 250, usage: { inputTokens: 10, outputTokens: 30 } }))).toEqual({
      bothOk: true,
      latencyDeltaMs: 150,
      servedOutputTokens: 20,
      shadowOutputTokens: 30,
      finishMatch: true,
      similarity: 1,
    });
    const other = compare(ok(), ok({ latencyMs: 40, finishReason: 'length', text: 'zzz' }));
    expect(other).toMatchObject({ latencyDeltaMs: -60, finishMatch: false, similarity: 0 });
  });

  it('one side failed: no delta, no similarity, no finish match; tokens still reported', () => {
    const failed: RunOutcome = { ok: false, outcome: '503', latencyMs: 5 };
    expect(compare(ok(), failed)).toEqual({ bothOk: false, servedOutputTokens: 20 });
    expect(compare(failed, ok())).toEqual({ bothOk: false, shadowOutputTokens: 20 });
  });

  it('a missing finish reason never matches', () => {
    expect(compare(ok({ finishReason: undefined }), ok({ finishReason: undefined })).finishMatch).toBe(false);
  });
});
