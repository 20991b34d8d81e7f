import { describe, expect, it } from 'vitest';
import { isFailoverAlarmOf } from '../../functions/drill/alarms.ts';
import { parseAttempts, proxyBase } from '../../functions/drill/client.ts';
import { aliasesSharing, chainOf, withFault, withoutFault } from '../../functions/drill/fault.ts';

const document = {
  providers: { a: { kind: 'openai', apiKey: 'env:A' }, b: { kind: 'anthropic', apiKey: 'env:B', chaos: { latencyMs: 5 } } },
  aliases: {
    drill: { targets: [{ provider: 'a', model: 'm1' }, { provider: 'b', model: 'm2' }] },
    solo: { targets: [{ provider: 'b', model: 'm2' }] },
    shadowed: { targets: [{ provider: 'b', model: 'm3' }], shadow: { target: { provider: 'a', model: 'm9' }, sampleRate: 0.1 } },
  },
};

describe('the drill fault, as a document edit', () => {
  it('adds chaos to one provider only, and takes back exactly that', () => {
    const faulty = withFault(document, 'b') as typeof document;
    expect(faulty.providers.b.chaos).toEqual({ errorRate: 1, status: 503 });
    expect(faulty.providers.a).toEqual(document.providers.a);
    expect(document.providers.b.chaos).toEqual({ latencyMs: 5 });
    const restored = withoutFault(faulty, 'b', { latencyMs: 5 });
    expect(restored).toEqual({ document });
  });

  it('recognises its fault with the defaults a server echoes filled in', () => {
    const echoed = structuredClone(document) as { providers: Record<string, Record<string, unknown>> };
    echoed.providers.a!.chaos = { errorRate: 1, status: 503, latencyMs: 0, resetRate: 0 };
    const restored = withoutFault(echoed, 'a', undefined) as { document: { providers: Record<string, Record<string, unknown>> } };
    expect(restored.document.providers.a).not.toHaveProperty('chaos');
  });

  it('leaves a chaos someone else changed during the drill alone', () => {
    const changed = structuredClone(document) as { providers: Record<string, Record<string, unknown>> };
    changed.providers.a!.chaos = { errorRate: 0.5 };
    expect(withoutFault(changed, 'a', undefined)).toEqual({ untouched: 'the chaos of "a" was changed by someone else during the drill; left as it is' });
  });

  it('names the chain, refuses single-target and unknown aliases, and finds who shares a provider', () => {
    expect(chainOf(document, 'drill')).toEqual({ targets: document.aliases.drill.targets });
    expect(chainOf(document, 'solo')).toEqual({ error: 'alias "solo" has a single target: there is nothing to fail over to' });
    expect(chainOf(document, 'nope')).toEqual({ error: 'alias "nope" is not in the configuration (known: drill, solo, shadowed)' });
    expect(aliasesSharing(document, 'a', 'drill')).toEqual(['shadowed']);
    expect(aliasesSharing(document, 'b', 'drill')).toEqual(['solo', 'shadowed']);
  });
});

describe('what the drill reads from a response', () => {
  it('parses x-understudy-attempts with its probe and panic marks', () => {
    expect(parseAttempts('openai/gpt-4o=503;probe,bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0=200')).toEqual([
      { target: 'openai/gpt-4o', outcome: '503', probe: true, panic: false },
      { target: 'bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0', outcome: '200', probe: false, panic: false },
    ]);
    expect(parseAttempts('a/m=skipped-open,a/m=503;panic')[1]).toEqual({ target: 'a/m', outcome: '503', probe: false, panic: true });
    expect(parseAttempts(null)).toEqual([]);
  });

  it('takes the base URL in any form an operator copies it', () => {
    for (const url of ['https://abc.lambda-url.eu-west-1.on.aws/', 'https://abc.lambda-url.eu-west-1.on.aws/v1', 'https://abc.lambda-url.eu-west-1.on.aws']) {
      expect(proxyBase(url)).toBe('https://abc.lambda-url.eu-west-1.on.aws');
    }
  });

  it("matches the alias's failover alarms whatever their routing part", () => {
    expect(isFailoverAlarmOf('Understudy-failover-served-by-fallback-drill', 'drill', 'a/m')).toBe(true);
    expect(isFailoverAlarmOf('Understudy-input-breaker-open-openai-drill-gpt-4o-mini', 'drill', 'openai-drill/gpt-4o-mini')).toBe(true);
    expect(isFailoverAlarmOf('Understudy-failover-served-by-fallback-drill-2', 'drill', 'a/m')).toBe(false);
    expect(isFailoverAlarmOf('Understudy-failover-served-by-fallback-production', 'drill', 'a/m')).toBe(false);
  });
});
