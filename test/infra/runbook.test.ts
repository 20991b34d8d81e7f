import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { anchorOf, RUNBOOK } from '../../infra/constructs/runbook.ts';
import { buildStack, resourcesOf, STUB_ENTRY, TEST_CONFIG } from './stack-fixture.ts';

const RUNBOOK_URL = 'https://example.com/understudy/README.md';
/** The fixture with a status page on openai (preset) and anthropic (own components). */
const CONFIG = TEST_CONFIG.replace(
  '{ kind: openai, apiKey: ssm:/understudy/keys/openai }',
  '{ kind: openai, apiKey: ssm:/understudy/keys/openai, statusPage: {} }',
);
/** Plus a drill-only alias with a provider entry of its own (the drill's alarms included). */
const DRILL_CONFIG = CONFIG.replace('providers:', 'providers:\n  openai-drill: { kind: openai, apiKey: ssm:/understudy/keys/openai }') +
  `  drill:
    targets:
      - { provider: openai-drill, model: gpt-4o-mini }
      - { provider: anthropic, model: claude-sonnet-4-5 }
`;

/** GitHub's heading anchors: lower-case, spaces to dashes, punctuation other than - and _ dropped. */
function githubAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

describe('alarm descriptions and the runbook', () => {
  let template: Template;
  let descriptions: { name: string; description: string }[];
  beforeAll(() => {
    template = buildStack({ config: DRILL_CONFIG, props: { runbookUrl: RUNBOOK_URL, drillAlias: 'drill', drillEntry: STUB_ENTRY } }).template;
    descriptions = [
      ...resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, p]) => ({ name: p.AlarmName as string, description: p.AlarmDescription as string })),
      ...resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm').map(([, p]) => ({ name: p.AlarmName as string, description: p.AlarmDescription as string })),
    ];
    // A synth takes seconds, many on a shared machine.
  }, 120_000);

  it('every alarm says what it means, what to do, and links its runbook section', () => {
    const anchors = Object.values(RUNBOOK).map(anchorOf);
    expect(descriptions.length).toBeGreaterThan(20);
    for (const { name, description } of descriptions) {
      const match = /^(.+\.) What to do: (.+) Runbook: (\S+)#([a-z0-9-]+)$/.exec(description);
      expect(match, `${name}: ${description}`).not.toBeNull();
      expect(match![3]).toBe(RUNBOOK_URL);
      expect(anchors).toContain(match![4]);
      expect(description.length).toBeLessThanOrEqual(1024);
    }
  });

  it('every runbook section exists in the README under the heading the link points at', () => {
    const headings = readFileSync('README.md', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('#'))
      .map((line) => githubAnchor(line.replace(/^#+\s*/, '')));
    for (const entry of Object.values(RUNBOOK)) expect(headings, entry.heading).toContain(anchorOf(entry));
  });

  it('the degraded states each have an L1 alarm: status page, rejected config, key store, missing key, truncated answers', () => {
    const names = descriptions.map((d) => d.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'Understudy-warn-status-page-openai',
        'Understudy-warn-config-rejected',
        'Understudy-warn-key-store-degraded',
        'Understudy-warn-key-missing-openai',
        'Understudy-warn-key-missing-anthropic',
        'Understudy-warn-truncated-smart',
        // The drill alias truncates on purpose at times: kept, not notified.
        'Understudy-input-truncated-drill',
      ]),
    );
    // No page configured, no alarm; Bedrock has no key.
    expect(names).not.toContain('Understudy-warn-status-page-anthropic');
    expect(names).not.toContain('Understudy-warn-key-missing-bedrock');
    const statusPage = resourcesOf(template, 'AWS::CloudWatch::Alarm').find(([, p]) => p.AlarmName === 'Understudy-warn-status-page-openai')![1];
    expect(statusPage).toMatchObject({
      MetricName: 'StatusPage',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('dashboard panels', () => {
  it('draws errors by reason, served-by-position per alias, status pages, continuations and hedges', { timeout: 120_000 }, () => {
    const { template } = buildStack({ config: CONFIG });
    const body = JSON.stringify(resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0]![1].DashboardBody).replace(/\\/g, '');
    expect(body).toContain('Errors by reason');
    expect(body).toContain('MetricName="ErrorsByReason"');
    for (const name of ['StreamsContinued', 'ContinuationFailed', 'Hedged', 'HedgeWon']) expect(body).toContain(`MetricName="${name}"`);
    expect(body).toContain('Served by position: smart');
    expect(body).toMatch(/"ServedByPosition","Alias","smart","Position","3"/);
    expect(body).toContain('"label":"3: openai/gpt-4o"');
    expect(body).toMatch(/"StatusPage","Provider","openai"/);
    expect(body).not.toMatch(/"StatusPage","Provider","anthropic"/);
  });
});
