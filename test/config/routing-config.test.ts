import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../functions/config/load.ts';
import { unsafePatternReason } from '../../functions/config/safe-pattern.ts';

const base = () => ({
  providers: { a: { kind: 'openai', apiKey: 'env:A' }, b: { kind: 'anthropic', apiKey: 'env:B' } },
  aliases: {
    x: {
      targets: [{ provider: 'a', model: 'gpt-4o' }],
      routes: [{ name: 'cheap', when: { maxComplexity: 0.3 }, targets: [{ provider: 'a', model: 'gpt-4o-mini' }] }] as unknown[],
    },
  },
});

function errorsOf(document: unknown): string[] {
  const result = validateConfig(document);
  return result.ok ? [] : result.errors;
}

describe('routing configuration', () => {
  it('accepts routes, groups, prices and budgets', () => {
    const doc = {
      ...base(),
      prices: { 'a/gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 } },
      budgets: [{ alias: 'x', perDay: 5, onExceeded: { route: 'cheap' } }, { clientKey: 'ci', perMonth: 100 }],
    };
    doc.aliases.x.targets = [
      { provider: 'a', model: 'gpt-4o', group: 'g', weight: 2 },
      { provider: 'b', model: 'claude-sonnet-4-5', group: 'g', contextWindow: 200_000 },
    ] as never;
    const result = validateConfig(doc);
    expect(result.ok && result.config.budgets).toEqual([
      { alias: 'x', perDay: 5, onExceeded: { route: 'cheap' } },
      { clientKey: 'ci', perMonth: 100, onExceeded: 'reject' },
    ]);
  });

  it('names the path of every routing error', () => {
    const doc = base();
    doc.aliases.x.routes = [
      { name: 'cheap', when: { pattern: '(a+)+$' }, targets: [{ provider: 'a', model: 'm' }] },
      { name: 'cheap', when: {}, targets: [{ provider: 'nope', model: 'm' }] },
      { name: 'default', when: { minComplexity: 0.8, maxComplexity: 0.2, colour: 'red' }, targets: [] },
    ];
    const errors = errorsOf({ ...doc, prices: { 'zz/m': { input: 1, output: 1 }, bare: { input: 1, output: 1 } }, budgets: [{ alias: 'x', perDay: 1, perMonth: 2 }, { alias: 'y', perDay: 1, onExceeded: { route: 'gone' } }] });
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aliases\.x\.routes\[0\]\.when\.pattern: a quantifier on a group/),
        'aliases.x.routes[1].when: an empty condition always holds; leave "when" out for a route chosen only by a budget',
        'aliases.x.routes[2].name: "default" names the alias\'s own targets',
        'aliases.x.routes[2].when: unknown field "colour"',
        'aliases.x.routes[2].targets: a route needs at least one target',
        'budgets[0]: a budget sets exactly one of perDay or perMonth',
      ]),
    );
    // Cross-references are checked once the shapes are right.
    const shaped = base();
    shaped.aliases.x.routes.push({ name: 'cheap', targets: [{ provider: 'nope', model: 'm' }] });
    expect(errorsOf({ ...shaped, prices: { 'zz/m': { input: 1, output: 1 }, bare: { input: 1, output: 1 } }, budgets: [{ alias: 'y', perDay: 1, onExceeded: { route: 'gone' } }] })).toEqual(
      expect.arrayContaining([
        'aliases.x.routes[1].name: route "cheap" is defined twice',
        'aliases.x.routes[1].targets[0].provider: unknown provider "nope"',
        'prices.zz/m: unknown provider "zz"',
        'prices.bare: a price is keyed by provider/model',
        'budgets[0].alias: unknown alias "y"',
        'budgets[0].onExceeded.route: alias "y" has no route "gone"',
      ]),
    );
  });

  it('requires a group\'s members to be neighbours and weights to belong to a group', () => {
    const doc = base();
    doc.aliases.x.targets = [
      { provider: 'a', model: 'm1', group: 'g' },
      { provider: 'b', model: 'm2' },
      { provider: 'a', model: 'm3', group: 'g', weight: 3 },
      { provider: 'b', model: 'm4', weight: 2 },
    ] as never;
    expect(errorsOf(doc)).toEqual([
      'aliases.x.targets[2].group: the members of group "g" must be listed next to each other',
      'aliases.x.targets[3].weight: a weight needs a group (it shares conversations among the group\'s members)',
    ]);
  });
});

describe('route patterns: a safe subset against ReDoS', () => {
  it.each(['(a+)+', '(a*)*b', '(a|aa)*', '(\\w+\\s?)*$', '((ab)+c)+', '(x+){2,}', '(.*a){3}'])('refuses %s', (pattern) => {
    expect(unsafePatternReason(pattern)).toMatch(/quantifier on a group/);
  });
  it.each(['(a)\\1', '(?<w>a)\\k<w>'])('refuses backreferences: %s', (pattern) => {
    expect(unsafePatternReason(pattern)).toMatch(/backreferences/);
  });
  it.each(['\\bselect\\b.*\\bfrom\\b', '^(classify|label|extract)\\b', 'translate (this|to) \\w+', '[a-z]+@[a-z]+\\.com', '(foo)?bar', 'a{2,5}', '(abc)+'])('accepts %s', (pattern) => {
    expect(unsafePatternReason(pattern)).toBeUndefined();
  });
  it('refuses an invalid or overlong pattern', () => {
    expect(unsafePatternReason('(unclosed')).toMatch(/not a valid regular expression/);
    expect(unsafePatternReason('a'.repeat(257))).toMatch(/longer than 256/);
  });
});
