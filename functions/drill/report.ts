/** The drill's report: steps in the order they ran, each with the checks that decided it. */

export type CheckStatus = 'pass' | 'fail' | 'warn';

export interface Check {
  status: CheckStatus;
  /** One sentence with the measured figure and what was expected. */
  detail: string;
}

export type StepName = 'preflight' | 'baseline' | 'fault' | 'streaming' | 'alarm' | 'recovery' | 'alarm-clears' | 'restore';

export interface StepReport {
  step: StepName;
  /** `fail` when any check failed; `skipped` when an earlier failure made the step pointless. */
  status: 'pass' | 'fail' | 'skipped';
  durationMs: number;
  checks: Check[];
}

export interface DrillReport {
  alias: string;
  url: string;
  /** Where the fault was turned on and off. */
  control: string;
  /** `provider/model` of the alias's first target, and the rest of its chain. */
  primary?: string;
  fallbacks?: string[];
  startedAt: string;
  durationMs: number;
  requests: number;
  /** Ctrl-C (or the canary's time running out) stopped the drill; what it changed was restored. */
  interrupted: boolean;
  passed: boolean;
  steps: StepReport[];
}

const MARK: Record<StepReport['status'] | CheckStatus, string> = { pass: '✓', fail: '✗', skipped: '–', warn: '!' };

/** One block per step, as printed when the step ends. */
export function renderStep(step: StepReport): string {
  const head = `${MARK[step.status]} ${step.step.padEnd(12)} ${step.status === 'skipped' ? 'skipped' : `${(step.durationMs / 1000).toFixed(1)} s`}`;
  return [head, ...step.checks.map((c) => `    ${MARK[c.status]} ${c.detail}`)].join('\n');
}

export function renderHeader(report: Pick<DrillReport, 'alias' | 'url' | 'control'>): string {
  return `Drill of alias "${report.alias}" through ${report.url}\n  fault injection: ${report.control}`;
}

export function renderSummary(report: DrillReport): string {
  const failed = report.steps.filter((s) => s.status === 'fail').map((s) => s.step);
  const verdict = report.interrupted
    ? 'INTERRUPTED: the drill stopped early; what it changed was restored'
    : report.passed
      ? 'PASSED: the failover path works'
      : `FAILED: ${failed.join(', ')}`;
  return `${verdict} (${report.requests} requests, ${(report.durationMs / 1000).toFixed(1)} s)`;
}

export function renderReport(report: DrillReport): string {
  return [renderHeader(report), ...report.steps.map(renderStep), renderSummary(report)].join('\n');
}
