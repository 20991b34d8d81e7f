import { describe, expect, it } from 'vitest';
import { complexityScore, explainComplexity } from '../../../functions/core/routing/complexity.ts';
import { requestFeatures } from '../../../functions/core/routing/request-features.ts';
import { LABELLED, labelledRequest } from './labelled-requests.ts';

/**
 * The score on the committed labelled set (complexity-labelled.json): 84 prompts the weights were
 * tuned on, and 24 written afterwards and never tuned on. A prompt counts as complex at 0.5 or more.
 */
function accuracy(set: 'tuning' | 'held-out'): number {
  const items = LABELLED.filter((item) => item.set === set);
  const right = items.filter((item) => complexityScore(requestFeatures(labelledRequest(item))) >= 0.5 === (item.label === 'complex')).length;
  return right / items.length;
}

describe('complexity score', () => {
  it('separates the labelled set: ≥ 90 % on the prompts it was tuned on, ≥ 70 % on the held-out ones', () => {
    // Measured: 81/84 (96 %) and 18/24 (75 %). The held-out bar is one prompt below the measured
    // figure: a cue-word heuristic reads no meaning, and a short hard question ("Prove that …")
    // looks simple to it. The bars catch a change that breaks the score, not noise.
    expect(LABELLED.filter((i) => i.set === 'tuning')).toHaveLength(84);
    expect(LABELLED.filter((i) => i.set === 'held-out')).toHaveLength(24);
    expect(accuracy('tuning')).toBeGreaterThanOrEqual(0.9);
    expect(accuracy('held-out')).toBeGreaterThanOrEqual(0.7);
  });

  it('ranks complex prompts above simple ones on average, on both halves', () => {
    for (const set of ['tuning', 'held-out'] as const) {
      const mean = (label: string) => {
        const scores = LABELLED.filter((i) => i.set === set && i.label === label).map((i) => complexityScore(requestFeatures(labelledRequest(i))));
        return scores.reduce((a, b) => a + b, 0) / scores.length;
      };
      expect(mean('complex') - mean('simple')).toBeGreaterThan(0.2);
    }
  });

  it('is deterministic, in [0, 1], and explained by its parts', () => {
    for (const item of LABELLED) {
      const features = requestFeatures(labelledRequest(item));
      const score = complexityScore(features);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
      expect(complexityScore(requestFeatures(labelledRequest(item)))).toBe(score);
      const z = Object.values(explainComplexity(features)).reduce((a, b) => a + b, 0);
      expect(Math.abs(1 / (1 + Math.exp(-z)) - score)).toBeLessThan(0.001);
    }
  });

  it('reads each feature: code, tools, depth, requested reasoning raise it; simple cues and JSON output lower it', () => {
    const score = (item: Parameters<typeof labelledRequest>[0]) => complexityScore(requestFeatures(labelledRequest(item)));
    const plain = { label: 'simple' as const, set: 'tuning' as const, prompt: 'Look at this and tell me what you think.' };
    expect(score({ ...plain, prompt: `${plain.prompt}\n\`\`\`js\nconst a = 1;\n\`\`\`` })).toBeGreaterThan(score(plain));
    expect(score({ ...plain, tools: 3 })).toBeGreaterThan(score(plain));
    expect(score({ ...plain, turns: 15 })).toBeGreaterThan(score(plain));
    expect(complexityScore({ ...requestFeatures(labelledRequest(plain)), reasoning: true })).toBeGreaterThan(score(plain));
    expect(score({ ...plain, prompt: `Classify: ${plain.prompt}` })).toBeLessThan(score(plain));
    expect(score({ ...plain, json: true })).toBeLessThan(score(plain));
  });

  it('scans only a bounded head of the last user message, so a huge prompt costs no more than 4 K characters of cue scanning', () => {
    const huge = requestFeatures(labelledRequest({ label: 'complex', set: 'tuning', prompt: 'why '.repeat(100_000) }));
    expect(huge.lastUserText).toHaveLength(4_096);
    expect(huge.lastUserChars).toBe(400_000);
    expect(huge.inputTokens).toBeGreaterThan(100_000);
  });
});
