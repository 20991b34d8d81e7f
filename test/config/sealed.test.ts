import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../functions/config/load.ts';
import { schemaFingerprint, sealedJson } from '../../functions/config/seal.ts';
import { SEAL_FIELD, sealOf, unseal } from '../../functions/config/sealed.ts';

const document = { providers: { o: { kind: 'openai', apiKey: 'env:K' } }, aliases: { a: { targets: [{ provider: 'o', model: 'm' }] } } };

function normalized() {
  const result = validateConfig(document);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.config;
}

describe('sealed configuration documents', () => {
  it('seals the normalized document with the schema fingerprint, and unseals it to the same config', () => {
    const sealed = JSON.parse(sealedJson(normalized()));
    expect(sealOf(sealed)).toBe(schemaFingerprint());
    expect(schemaFingerprint()).toMatch(/^[0-9a-f]{16}$/);
    expect(unseal(sealed, schemaFingerprint())).toEqual(normalized());
    expect(unseal(sealed)).toEqual(normalized());
  });

  it('does not trust a document sealed by another schema, an unsealed one, or one without the shape of a config', () => {
    const sealed = JSON.parse(sealedJson(normalized()));
    expect(unseal(sealed, 'another')).toBeUndefined();
    expect(unseal(normalized())).toBeUndefined();
    expect(unseal({ [SEAL_FIELD]: schemaFingerprint(), providers: {}, aliases: {} })).toBeUndefined();
    expect(unseal([sealed])).toBeUndefined();
    expect(unseal('text')).toBeUndefined();
  });

  it('validates a sealed document like the plain one (the seal is not a config field)', () => {
    const result = validateConfig(JSON.parse(sealedJson(normalized())));
    expect(result).toEqual({ ok: true, config: normalized() });
  });
});
