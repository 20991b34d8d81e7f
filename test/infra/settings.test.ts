import { App, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadDeployConfig } from '../../infra/config-document.ts';
import { ConfigParameter } from '../../infra/constructs/config-parameter.ts';
import { checkEnvironmentSize } from '../../infra/constructs/understudy-function.ts';
import { DEFAULT_SETTINGS, REPO_ROOT, resolveSettings } from '../../infra/settings.ts';
import { buildStack, NO_BEDROCK_CONFIG } from './stack-fixture.ts';

function settingsFrom(context: Record<string, unknown>) {
  return resolveSettings(new App({ context }));
}

describe('resolveSettings', () => {
  it('applies the defaults, resolving paths against the repository root', () => {
    const s = resolveSettings(new App());
    expect(s).toMatchObject({ authMode: 'api-keys', proxyMemoryMb: 1024, keysPath: '/understudy/keys', configParameterName: '/understudy/config', logRetention: 30, alertEmails: {}, bundleMetafile: false });
    expect(s.proxyTimeout.toSeconds()).toBe(300);
    expect(s.reservedConcurrency).toBeUndefined();
    expect(s.configFile).toBe(`${REPO_ROOT}/understudy.config.yaml`);
    expect(s.proxyEntry).toBe(`${REPO_ROOT}/${DEFAULT_SETTINGS.proxyEntry}`);
    expect(s.healthEntry).toBe(`${REPO_ROOT}/functions/health/handler.ts`);
  });

  it('leaves the drill off by default, and reads its keys from context', () => {
    const off = resolveSettings(new App());
    expect(off.drillAlias).toBeUndefined();
    expect(off).toMatchObject({ drillScheduleHours: 24, drillKeyParameter: '/understudy/drill/key', drillEntry: `${REPO_ROOT}/functions/drill/canary-handler.ts` });
    const on = settingsFrom({ drillAlias: 'drill', drillScheduleHours: '6', drillKeyParameter: '/team/drill-key' });
    expect(on).toMatchObject({ drillAlias: 'drill', drillScheduleHours: 6, drillKeyParameter: '/team/drill-key' });
  });

  it('lets props win over context', () => {
    const s = resolveSettings(new App({ context: { authMode: 'aws-iam', proxyMemoryMb: 512 } }), { authMode: 'api-keys' });
    expect(s.authMode).toBe('api-keys');
    expect(s.proxyMemoryMb).toBe(512);
  });

  it('accepts typed context values from cdk.json', () => {
    const s = settingsFrom({ reservedConcurrency: 5, bundleMetafile: true, 'alertEmail.failover': ['a@example.com'], proxyEntry: 'test/infra/fixtures/stub-handler.ts' });
    expect(s.reservedConcurrency).toBe(5);
    expect(s.proxyEntry).toBe(`${REPO_ROOT}/test/infra/fixtures/stub-handler.ts`);
    expect(s.bundleMetafile).toBe(true);
    expect(s.alertEmails).toEqual({ failover: ['a@example.com'] });
  });

  it.each([
    [{ authMode: 'open' }, /authMode must be one of api-keys, aws-iam/],
    [{ proxyMemoryMb: 'lots' }, /proxyMemoryMb must be an integer/],
    [{ proxyMemoryMb: '64' }, /proxyMemoryMb 64 must be between 128 and 10240/],
    [{ proxyTimeoutSeconds: '901' }, /between 1 and 900 seconds/],
    [{ reservedConcurrency: '0' }, /reservedConcurrency 0 must be at least 1/],
    [{ logRetentionDays: '8' }, /logRetentionDays 8 is not a CloudWatch retention/],
    [{ keysPath: 'understudy/keys' }, /keysPath "understudy\/keys" must look like/],
    [{ keysPath: '/understudy/keys/' }, /keysPath/],
    [{ bundleMetafile: 'yes' }, /bundleMetafile must be true or false/],
    [{ 'alertEmail.page': 'oncall' }, /alert e-mail "oncall" for page is not an address/],
    [{ drillScheduleHours: '0' }, /drillScheduleHours 0 must be between 1 and 168/],
    [{ drillScheduleHours: '1.5' }, /drillScheduleHours must be an integer/],
    [{ drillKeyParameter: 'drill-key' }, /drillKeyParameter "drill-key" must look like/],
    [{ drillKeyParameter: '/understudy/keys/drill' }, /must not be under keysPath \/understudy\/keys/],
    [{ drillAlias: '' }, /context drillAlias must be a non-empty string/],
    [{ drillAlias: 'drill', authMode: 'aws-iam' }, /drillAlias needs authMode api-keys/],
  ])('rejects context %j', (context, message) => {
    expect(() => settingsFrom(context)).toThrow(message);
  });
});

describe('configuration at synth', () => {
  it('fails with every error path when the config is invalid', () => {
    const config = `
providers:
  openai: { kind: openai, apiKey: sk-literal }
aliases:
  a: { targets: [{ provider: nope, model: m }] }
`;
    expect(() => buildStack({ config })).toThrow(/invalid configuration in .*\n {2}providers\.openai\.apiKey: must be a reference[^]*aliases\.a\.targets\[0\]\.provider: unknown provider "nope"/);
  });

  it('fails when a key reference lies outside the keys path', () => {
    const config = NO_BEDROCK_CONFIG.replace('ssm:/understudy/keys/openai', 'ssm:/elsewhere/openai');
    expect(() => buildStack({ config })).toThrow(/providers\.openai\.apiKey: ssm:\/elsewhere\/openai is outside the keys path \/understudy\/keys\//);
  });

  it('fails when the file cannot be read', () => {
    expect(() => loadDeployConfig('/nonexistent/understudy.yaml', '/understudy/keys')).toThrow(/cannot read the configuration file \/nonexistent\/understudy.yaml: ENOENT/);
  });

  it('fails when the bundled config cannot fit the 4 KB Lambda environment', () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `  alias-number-${i}: { targets: [{ provider: openai, model: gpt-4o-mini-${i} }] }`).join('\n');
    const config = `providers:\n  openai: { kind: openai, apiKey: ssm:/understudy/keys/openai }\naliases:\n${aliases}\n`;
    expect(() => buildStack({ config })).toThrow(/environment needs about \d+ bytes, over Lambda's 4096-byte limit[^]*UNDERSTUDY_BUNDLED_CONFIG/);
  });
});

describe('checkEnvironmentSize', () => {
  it('counts keys and values, and a value unknown at synth at 256 bytes', () => {
    const value = 'x'.repeat(4096 - 3 - 256 - 3);
    expect(() => checkEnvironmentSize('F', { KEY: value, TOK: Token.asString({ Ref: 'Table' }) })).not.toThrow();
    expect(() => checkEnvironmentSize('F', { KEY: `${value}x`, TOK: Token.asString({ Ref: 'Table' }) })).toThrow(/F: the environment needs about 4097 bytes/);
  });
});

describe('ConfigParameter tiers', () => {
  const sized = (bytes: number) => {
    const json = JSON.stringify({ pad: 'x'.repeat(bytes - 10) });
    expect(Buffer.byteLength(json)).toBe(bytes);
    return { path: 'test.yaml', config: {} as never, json, bytes };
  };

  it('uses Standard up to 4 KB and Advanced above', () => {
    const stack = new Stack(new App(), 'P');
    new ConfigParameter(stack, 'Small', { parameterName: '/a/small', config: sized(4096) });
    new ConfigParameter(stack, 'Large', { parameterName: '/a/large', config: sized(4097) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/a/small', Tier: 'Standard' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/a/large', Tier: 'Advanced' });
  });

  it('refuses a config over the 8 KB parameter limit', () => {
    expect(() => new ConfigParameter(new Stack(new App(), 'P'), 'Huge', { parameterName: '/a/huge', config: sized(8193) })).toThrow(/8192-byte limit/);
  });
});

describe('the repository config', () => {
  it('is a valid deploy config', () => {
    expect(loadDeployConfig(`${REPO_ROOT}/understudy.config.yaml`, '/understudy/keys').bytes).toBeGreaterThan(0);
  });
});

