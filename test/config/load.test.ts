import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../functions/config/load.ts';
import { parseConfigText } from '../../functions/config/parse-text.ts';
import { DEFAULT_POLICY, DEFAULT_SHADOW_TIMEOUT_MS } from '../../functions/config/defaults.ts';

describe('configuration', () => {
  it('the example config in the repository validates', () => {
    const result = parseConfigText(readFileSync('understudy.config.yaml', 'utf8'));
    expect(result.ok).toBe(true);
  });

  it('fills every default', () => {
    const result = validateConfig({ providers: { o: { kind: 'openai', apiKey: 'env:K' } }, aliases: { a: { targets: [{ provider: 'o', model: 'm' }] } } });
    expect(result.ok && result.config.policy).toEqual({ ...DEFAULT_POLICY, breaker: { ...DEFAULT_POLICY.breaker } });
  });

  it('names the path of every error', () => {
    const result = parseConfigText(`
providers:
  openai: { kind: openai, apiKey: env:OPENAI_API_KEY }
  groq: { kind: groq, apiKey: sk-live-1234567890 }
  lan: { kind: openai-compatible, baseUrl: "http://192.168.1.5/v1" }
  odd: { kind: openai, apiKey: env:X, colour: blue }
  nokey: { kind: anthropic }
  bad: { kind: opneai }
aliases:
  default-model:
    targets:
      - { provider: openai, model: gpt-4o }
      - { provider: grok, model: llama }
policy: { maxAttempts: 0, breaker: { failureRate: 2 } }
`);
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toContain('aliases.default-model.targets[1].provider: unknown provider "grok"');
    expect(errors).toContain('providers.groq.apiKey: must be a reference such as env:OPENAI_API_KEY or ssm:/understudy/keys/openai; literal keys are not accepted');
    expect(errors).toContain('providers.lan.baseUrl: http:// is allowed only for loopback hosts, not "192.168.1.5"');
    expect(errors).toContain('providers.odd: unknown field "colour"');
    expect(errors.some((e) => e.startsWith('providers.bad.kind: must be one of'))).toBe(true);
    expect(errors.some((e) => e.startsWith('policy.maxAttempts:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('policy.breaker.failureRate:'))).toBe(true);
  });

  it('reports a missing key reference and a missing base URL', () => {
    const result = validateConfig({ providers: { a: { kind: 'anthropic' }, c: { kind: 'openai-compatible' }, b: { kind: 'bedrock' } }, aliases: {} });
    expect(result.ok ? [] : result.errors).toEqual([
      'providers.a.apiKey: kind "anthropic" needs an apiKey reference (env:NAME)',
      'providers.c.baseUrl: kind "openai-compatible" needs a baseUrl',
      'providers.b.region: kind "bedrock" needs a region',
    ]);
  });

  it('allows loopback http and https', () => {
    for (const baseUrl of ['http://127.0.0.1:11434/v1', 'http://localhost:8080/v1', 'http://[::1]:9/v1', 'https://example.com/v1']) {
      const result = validateConfig({ providers: { l: { kind: 'openai-compatible', baseUrl } }, aliases: {} });
      expect(result.ok, baseUrl).toBe(true);
    }
  });

  it('accepts a shadow per alias and fills its timeout', () => {
    const result = validateConfig({
      providers: { o: { kind: 'openai', apiKey: 'env:K' }, s: { kind: 'openai', apiKey: 'env:S' } },
      aliases: { a: { targets: [{ provider: 'o', model: 'm' }], shadow: { target: { provider: 's', model: 'n' }, sampleRate: 0.25 } } },
    });
    expect(result.ok && result.config.aliases.a!.shadow).toEqual({ target: { provider: 's', model: 'n' }, sampleRate: 0.25, timeoutMs: DEFAULT_SHADOW_TIMEOUT_MS });
  });

  it('reports a bad shadow: unknown provider, rate out of range, unknown field', () => {
    const result = validateConfig({
      providers: { o: { kind: 'openai', apiKey: 'env:K' } },
      aliases: {
        a: { targets: [{ provider: 'o', model: 'm' }], shadow: { target: { provider: 'y', model: 'n' }, sampleRate: 0.5 } },
        b: { targets: [{ provider: 'o', model: 'm' }], shadow: { target: { provider: 'o', model: 'n' }, sampleRate: 1.5, timeoutMs: 0, extra: true } },
      },
    });
    const errors = result.ok ? [] : result.errors;
    expect(errors).toContain('aliases.a.shadow.target.provider: unknown provider "y"');
    expect(errors.some((e) => e.startsWith('aliases.b.shadow.sampleRate:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('aliases.b.shadow.timeoutMs:'))).toBe(true);
    expect(errors).toContain('aliases.b.shadow: unknown field "extra"');
  });

  it('rejects non-YAML text with a message', () => {
    const result = parseConfigText('providers: [unclosed');
    expect(result.ok).toBe(false);
  });
});
