import { describe, expect, it } from 'vitest';
import { buildStack, resourcesOf, TEST_CONFIG } from './stack-fixture.ts';

/** The dashboard's shadow row: present only when some alias shadows, and only for those aliases. */

function dashboardBody(config: string): string {
  const { template } = buildStack({ config });
  const [, properties] = resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0]!;
  // The body is a Fn::Join of JSON text: drop the escaping so metric rows read as ["Name","Alias","x"].
  return JSON.stringify(properties.DashboardBody).replace(/\\/g, '');
}

const SHADOW_CONFIG = `${TEST_CONFIG}    shadow: { target: { provider: anthropic, model: claude-haiku-4-5 }, sampleRate: 0.05 }
`;

describe('the dashboard shadow row', () => {
  it('draws similarity, failures and latency delta for the aliases that shadow', () => {
    const body = dashboardBody(SHADOW_CONFIG);
    for (const title of ['Shadow similarity per alias', 'Shadow failures per alias', 'Shadow latency delta per alias']) expect(body).toContain(title);
    for (const metric of ['ShadowSimilarity', 'ShadowFailures', 'ShadowRequests', 'ShadowLatencyDelta']) expect(body).toContain(metric);
    // `fast` (the last alias in the fixture) shadows, `smart` does not.
    for (const metric of ['ShadowSimilarity', 'ShadowFailures', 'ShadowLatencyDelta']) expect(body).toContain(`"${metric}","Alias","fast"`);
    expect(body).not.toMatch(/"Shadow\w+","Alias","smart"/);
  });

  it('is absent when no alias shadows', () => {
    const body = dashboardBody(TEST_CONFIG);
    expect(body).not.toContain('Shadow');
  });
});

describe('the dashboard cost row', () => {
  it('draws cost per alias beside the default route\'s cost, the saving, and requests and cost per route', () => {
    const body = dashboardBody(TEST_CONFIG);
    for (const title of ['Cost per alias (USD per hour)', 'Saving of routing per alias', 'Requests per route, and cost per route and target']) expect(body).toContain(title);
    for (const alias of ['smart', 'fast']) {
      expect(body).toContain(`"CostUSD","Alias","${alias}"`);
      expect(body).toContain(`"DefaultRouteCostUSD","Alias","${alias}"`);
    }
    expect(body).toMatch(/"expression":"d0 - c0"/);
    expect(body).toContain('SEARCH(\'{Understudy,Alias,Route,service} MetricName="RouteRequests"\'');
    expect(body).toContain('SEARCH(\'{Understudy,Alias,Route,Target,service} MetricName="CostUSD"\'');
  });
});
