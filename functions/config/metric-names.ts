/**
 * The metric catalogue, shared by the functions that emit (EMF) and the stack that alarms on them:
 * a CloudWatch alarm matches only the exact name and dimension set that was emitted, so both sides
 * read these constants. Powertools adds the `service` dimension to every set.
 */
export const METRIC_NAMESPACE = 'Understudy';
export const SERVICE_NAME = 'understudy';

export const METRICS = {
  // Per request, dimensions { Alias }
  requests: 'Requests',
  /** Requests that were answered with an error (proxy-produced or upstream-final). */
  requestErrors: 'RequestErrors',
  /** A request served by a target other than the alias's first. */
  servedByFallback: 'ServedByFallback',
  /** A request that moved from one target to another at least once. */
  failovers: 'Failovers',
  /** No target could serve: every one failed or was skipped. */
  chainExhausted: 'ChainExhausted',
  /** Failed after the commit point: the client got an in-band error. */
  truncated: 'Truncated',
  timeToFirstToken: 'TimeToFirstToken',
  /** Dimensions { Alias, Reason }: errors by their type (`overloaded`, `invalid_request`, `truncated` …). */
  errorsByReason: 'ErrorsByReason',
  /** Dimensions { Alias, Position }: which configured position (1, 2, 3 …) served each answered request. */
  servedByPosition: 'ServedByPosition',
  /** Dimensions { Alias, From, To }: which target handed over to which. */
  failoverPaths: 'FailoverPath',
  duration: 'Duration',
  // Continuation and hedging (core attempt loop), dimensions { Alias }
  /** A stream that failed after the commit point and was carried on by the next target. */
  streamsContinued: 'StreamsContinued',
  /** A continuation was tried and failed too: the client got the in-band error. */
  continuationFailed: 'ContinuationFailed',
  /** A request for which a hedge (a second attempt in parallel) was started. */
  hedged: 'Hedged',
  /** The hedge answered first and served the request. */
  hedgeWon: 'HedgeWon',
  // Per attempt, dimensions { Target } (provider/model)
  attemptSuccesses: 'AttemptSuccesses',
  attemptFailures: 'AttemptFailures',
  // Breakers, dimensions { Target }
  /** 1 while a target's breaker is open or half-open, 0 when closed (a gauge: alarm on Maximum). */
  breakerOpen: 'BreakerOpen',
  breakerTransitions: 'BreakerTransitions',
  // Health checker, dimensions { Provider } (probe success is 0/1)
  probeSuccess: 'ProbeSuccess',
  probeLatency: 'ProbeLatency',
  /** Worst state of the provider's named status-page components: 0 operational, 1 degraded, 2 partial, 3 major outage; absent when unreadable. */
  statusPage: 'StatusPage',
  /** Health checker heartbeat, no dimension: missing data means the checker is silent. */
  healthHeartbeat: 'HealthCheckHeartbeat',
  // Degradation, no dimension
  breakerStoreDegraded: 'BreakerStoreDegraded',
  configSourceDegraded: 'ConfigSourceDegraded',
  /** A fetched configuration document failed validation as a whole; the last good copy stays. */
  configRejected: 'ConfigRejected',
  /** SSM failed while reading provider keys or client key records (cached copies still serve). */
  keyStoreDegraded: 'KeyStoreDegraded',
  // Shadow traffic (core/shadow.ts), dimensions { Alias }: one value per shadowed request
  shadowRequests: 'ShadowRequests',
  /** The shadow target did not give a whole answer. */
  shadowFailures: 'ShadowFailures',
  /** Text similarity 0–1 of served and shadow answers (both ok only): read its Average. */
  shadowSimilarity: 'ShadowSimilarity',
  /** 1 when both answers ended for the same reason (both ok only). */
  shadowFinishMatch: 'ShadowFinishMatch',
  /** Shadow latency minus served latency, ms (both ok only; negative: the shadow was faster). */
  shadowLatencyDelta: 'ShadowLatencyDelta',
  /** Shadow output tokens / served output tokens (both ok, both reported usage, served > 0). */
  shadowOutputTokenRatio: 'ShadowOutputTokenRatio',
  // Cost (core/routing/plan-request.ts): USD of each served answer, dimensions { Alias } and
  // { Alias, Route, Target }; what the same usage would have cost on the alias's own first target,
  // dimensions { Alias } (default route − actual = the saving of routing)
  costUsd: 'CostUSD',
  defaultRouteCostUsd: 'DefaultRouteCostUSD',
  /** Requests per route, dimensions { Alias, Route }. */
  routeRequests: 'RouteRequests',
  /** Budget spend could not be written or read (instances decide on their own view meanwhile). */
  spendStoreDegraded: 'SpendStoreDegraded',
  // Keys, dimensions { Provider }: the key parameter a provider references does not exist
  providerKeyMissing: 'ProviderKeyMissing',
} as const;

export const DIMENSIONS = { alias: 'Alias', target: 'Target', provider: 'Provider', reason: 'Reason', from: 'From', to: 'To', position: 'Position', route: 'Route' } as const;
