/**
 * What each alarm asks of the on-call, kept beside the alarms so a description never goes without
 * it. Every entry has a section in the README's alarms runbook: the heading is the anchor, so the
 * link in an alarm description lands on it (a test reads the README to keep the two in step).
 */
export interface RunbookEntry {
  /** The README heading of the section, and (lower-cased) its anchor. */
  heading: string;
  /** What to do, in one or two sentences. */
  action: string;
}

export const RUNBOOK = {
  probe: {
    heading: 'probe-PROVIDER',
    action: "Check the provider's status page and the probe log lines; its breakers open on their own after 2 failed rounds, so traffic already moves on.",
  },
  statusPage: {
    heading: 'status-page-PROVIDER',
    action: 'Nothing is rerouted by this alone (status pages lag and under-report); watch the probe and breaker alarms of that provider, and read the incident on its page.',
  },
  breakerStore: {
    heading: 'breaker-store-degraded',
    action: 'Instances decide on their own in-memory breakers meanwhile. Check the table for throttling (ThrottledRequests) and the functions\' DynamoDB permissions.',
  },
  configSource: {
    heading: 'config-source-degraded',
    action: 'The last good (or the bundled) configuration keeps serving. Check SSM GetParameter errors and throttling in the proxy log.',
  },
  configRejected: {
    heading: 'config-rejected',
    action: 'Nothing changed: the last good configuration serves. Read the log line naming the path of the error, fix the file, run `npm run config -- validate` and push again.',
  },
  keyStore: {
    heading: 'key-store-degraded',
    action: 'Cached keys keep serving; a new or rotated key is not seen until SSM answers (the status page keeps a known admin key hash). Check SSM and KMS errors and throttling in the log.',
  },
  keyMissing: {
    heading: 'key-missing-PROVIDER',
    action: "Its targets are skipped. Create the SecureString the provider's apiKey names (`npm run keys -- set PROVIDER`).",
  },
  proxyErrors: {
    heading: 'proxy-errors',
    action: "Read the proxy function's log around the errors (crash, out of memory, timeout); upstream failures are not counted here.",
  },
  proxyThrottles: {
    heading: 'proxy-throttles',
    action: 'Callers get 429s from Lambda. Raise reservedConcurrency (or the account limit), or find the burst.',
  },
  healthErrors: {
    heading: 'health-errors',
    action: "Read the health function's log; while it fails, breakers open only from traffic.",
  },
  truncated: {
    heading: 'truncated-ALIAS',
    action: 'Callers saw an answer cut after it had started. Look at the idle-timeout and stream-broken outcomes of that alias\'s targets in the request log.',
  },
  drillFailed: {
    heading: 'drill-failed',
    action: "Read the report in the drill function's log: a failed fault or recovery step means a real failover would fail the same way; a failed preflight usually means the key parameter is missing.",
  },
  breakerOpen: {
    heading: 'breaker-open-TARGET',
    action: 'Failover carries its traffic; nothing to do unless an L3 alarm follows. `npm run breakers -- list --table T` shows when it reopens.',
  },
  servedByFallback: {
    heading: 'served-by-fallback-ALIAS',
    action: "Expect other cost and latency; check the primary's provider (probe and status-page alarms, breakers list).",
  },
  failureRate: {
    heading: 'failure-rate-TARGET',
    action: 'An input of fallback-failing: see there.',
  },
  fallbackFailing: {
    heading: 'fallback-failing-ALIAS',
    action: 'Page: the chain is about to run out. Add or force a healthy target (`npm run breakers -- force-open` a broken one, `npm run config -- push` a config with another target).',
  },
  chainExhausted: {
    heading: 'chain-exhausted-ALIAS',
    action: 'Page: callers get 503. Same as fallback-failing: get a healthy target into the chain.',
  },
  healthSilent: {
    heading: 'health-check-silent',
    action: 'Breakers no longer open proactively and the probe alarms are blind. Check the health function (errors, throttles, its schedule).',
  },
} as const satisfies Record<string, RunbookEntry>;

export type RunbookKey = keyof typeof RUNBOOK;

/** GitHub's anchor for a heading made of letters, digits and dashes. */
export function anchorOf(entry: RunbookEntry): string {
  return entry.heading.toLowerCase();
}

/** `<what it means> What to do: <action> Runbook: <base>#<anchor>` (CloudWatch allows 1024 characters). */
export function alarmDescription(meaning: string, key: RunbookKey, runbookUrl: string): string {
  const entry = RUNBOOK[key];
  return `${meaning} What to do: ${entry.action} Runbook: ${runbookUrl}#${anchorOf(entry)}`.slice(0, 1024);
}
