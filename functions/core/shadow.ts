import { DIMENSIONS, METRICS } from '../config/metric-names.ts';
import type { EffectivePolicy } from '../config/schema.ts';
import { isContentEvent, type FinishReason, type Usage } from '../ir/events.ts';
import type { ChatRequest } from '../ir/request.ts';
import { AnswerDigest } from './answer-digest.ts';
import { Attempt } from './attempt.ts';
import { outcomeLabel } from './attempt-loop.ts';
import { withChaos } from './chaos.ts';
import type { Clock, RequestRecord, Telemetry, Upstream } from './ports.ts';
import type { Served } from './respond.ts';
import type { ResolvedTarget } from './compiled-config.ts';
import { TIMED_OUT, within } from './timers.ts';

/**
 * Shadow traffic: a sampled request also goes to a shadow target, read to the end and compared
 * with what the client was served. The shadow is fire-and-forget for the client path: it never
 * throws, never touches a breaker (its outcomes must not move real traffic) and its answer is
 * never sent anywhere. Only numbers and labels leave this file, never text.
 */

/** How one side (served or shadow) of a comparison went. */
export interface RunOutcome {
  ok: boolean;
  /** `200`, an upstream status, or a failure label (`reset`, `header-timeout`, `truncated` …). */
  outcome: string;
  /** From the common start (just before the attempt loop) to the end of the answer. */
  latencyMs: number;
  /** From the common start to the first content event, when known. */
  firstContentMs?: number;
  usage?: Usage;
  finishReason?: FinishReason;
  /** The answer's text, bounded by TEXT_BOUND (answer-digest.ts). */
  text?: string;
}

export interface ShadowInput {
  target: ResolvedTarget;
  request: ChatRequest;
  /** The alias's policy: its header, first-token and idle watchdogs apply to the shadow too. */
  policy: EffectivePolicy;
  /** The request's own deadline; the shadow also stops `timeoutMs` after it starts. */
  deadline: number;
  timeoutMs: number;
}

export interface ShadowDeps {
  upstream: Upstream;
  clock: Clock;
  random: () => number;
}

/** How the client's response ended, as the proxy records it. */
export interface ServedEnd {
  status: number;
  record: RequestRecord;
  served: Served | undefined;
}

/** One shadowed request: the shadow's input plus what its comparison is filed under. */
export interface ShadowStart extends ShadowInput {
  alias: string;
  requestId: string;
  /** When the proxy received the request (its record's times count from there). */
  requestStarted: number;
}

/**
 * The shadow calls of one proxy: each sampled request starts one beside its attempt loop, and once
 * both have ended the comparison is published. `settle` waits for the ones still in flight.
 */
export class ShadowTraffic {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly deps: ShadowDeps & { telemetry: Telemetry };

  constructor(deps: ShadowDeps & { telemetry: Telemetry }) {
    this.deps = deps;
  }

  /** Draws whether a request is shadowed; a rate of 1 takes every request, whatever the random source returns. */
  sampled(sampleRate: number): boolean {
    return sampleRate >= 1 || this.deps.random() < sampleRate;
  }

  /**
   * Starts the shadow of one request, never awaited on the client path, and returns what to call
   * with how the client's response ended.
   */
  start(input: ShadowStart): (end: ServedEnd) => void {
    const { clock, telemetry } = this.deps;
    const started = clock.now();
    // On the next turn of the event loop, so the client's own upstream request goes out first.
    const run = nextTurn().then(() => startShadow(input, this.deps));
    let onServed!: (end: ServedEnd) => void;
    const served = new Promise<RunOutcome & { target: string }>((resolve) => {
      onServed = (end) => resolve(servedOutcome(end, input.requestStarted, started, clock.now()));
    });
    const publication = (async () => {
      const shadow = await run;
      // The client's response ends by the deadline; waiting longer would mean a bug upstream of here.
      const outcome = await within(served, Math.max(0, input.deadline - clock.now()) + 1_000);
      publishShadow(telemetry, {
        alias: input.alias,
        requestId: input.requestId,
        served: outcome === TIMED_OUT ? { target: '(unknown)', ok: false, outcome: 'unknown', latencyMs: clock.now() - started } : outcome,
        shadow: { ...shadow, target: input.target.key },
      });
    })().catch((error: unknown) => telemetry.log('error', 'shadow publication failed', { alias: input.alias, requestId: input.requestId, error: String(error) }));
    this.inFlight.add(publication);
    void publication.finally(() => this.inFlight.delete(publication));
    return onServed;
  }

  /**
   * Waits for the shadow calls in flight and their publication, at most `boundMs`. Lambda calls it
   * before flushing telemetry: the instance freezes once the invocation ends.
   */
  async settle(boundMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    await within(Promise.all([...this.inFlight]), boundMs);
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The client's side of a comparison, its times counted from the shadow's start. */
function servedOutcome({ status, record, served }: ServedEnd, requestStarted: number, shadowStarted: number, now: number): RunOutcome & { target: string } {
  const target = record.servedBy ? `${record.servedBy.provider}/${record.servedBy.model}` : '(none)';
  const ok = status < 400 && !served?.truncated && !served?.cancelled;
  const outcome = status >= 400 ? String(status) : served?.truncated ? 'truncated' : served?.cancelled ? 'client-gone' : '200';
  return {
    target,
    ok,
    outcome,
    latencyMs: now - shadowStarted,
    // A non-streaming client's commit point is the complete answer: no first-content time then.
    ...(record.stream && record.timeToFirstTokenMs !== undefined ? { firstContentMs: record.timeToFirstTokenMs - (shadowStarted - requestStarted) } : {}),
    ...(served?.usage ? { usage: served.usage } : {}),
    ...(served?.finishReason ? { finishReason: served.finishReason } : {}),
    ...(served?.text !== undefined ? { text: served.text } : {}),
  };
}

/** Runs the request against the shadow target to its end. Resolves with the outcome; never rejects. */
export async function startShadow(input: ShadowInput, deps: ShadowDeps): Promise<RunOutcome> {
  const started = deps.clock.now();
  const { target } = input;
  const attempt = new Attempt({ target, policy: input.policy, clock: deps.clock, deadline: Math.min(input.deadline, started + input.timeoutMs) });
  const elapsed = () => deps.clock.now() - started;
  try {
    const dialect = target.chaos ? withChaos(target.dialect, target.chaos, deps.random) : target.dialect;
    // No client headers are forwarded: the shadow may be of another dialect, and it stands apart.
    const failure = await attempt.open(input.request, dialect, deps.upstream, {});
    if (failure) return { ok: false, outcome: outcomeLabel(failure), latencyMs: elapsed() };
    const digest = new AnswerDigest(true);
    let firstContentMs: number | undefined;
    const partial = () => ({ ...(firstContentMs !== undefined ? { firstContentMs } : {}), ...digest.summary() });
    for (;;) {
      const step = await attempt.next();
      if (step.type === 'failure') {
        attempt.abort();
        // A broken tail after the terminal event still leaves a whole answer (as on the client path).
        if (digest.finishReason) return { ok: true, outcome: '200', latencyMs: elapsed(), ...partial() };
        return { ok: false, outcome: outcomeLabel(step.failure), latencyMs: elapsed(), ...partial() };
      }
      if (step.type === 'done') {
        if (digest.finishReason) return { ok: true, outcome: '200', latencyMs: elapsed(), ...partial() };
        return { ok: false, outcome: 'stream-broken', latencyMs: elapsed(), ...partial() };
      }
      // A shadow attempt is always translated (attempt.open): no pass-through frames.
      if (step.type !== 'event') continue;
      if (firstContentMs === undefined && isContentEvent(step.event)) firstContentMs = elapsed();
      digest.add(step.event);
    }
  } catch (error) {
    // Defensive: a dialect bug must not surface as an unhandled rejection on a path nobody awaits.
    attempt.abort();
    return { ok: false, outcome: `error: ${(error as Error)?.name ?? 'unknown'}`, latencyMs: elapsed() };
  }
}

/** The comparison of one shadowed request: numbers and labels only. */
export interface Comparison {
  bothOk: boolean;
  /** Shadow latency minus served latency (both ok). */
  latencyDeltaMs?: number;
  servedOutputTokens?: number;
  shadowOutputTokens?: number;
  /** Both ok and both ended for the same reason. */
  finishMatch?: boolean;
  /** Text similarity in [0, 1] (both ok). */
  similarity?: number;
}

/** Compares the served answer with the shadow's. Pure. */
export function compare(served: RunOutcome, shadow: RunOutcome): Comparison {
  const bothOk = served.ok && shadow.ok;
  const result: Comparison = { bothOk };
  if (served.usage) result.servedOutputTokens = served.usage.outputTokens;
  if (shadow.usage) result.shadowOutputTokens = shadow.usage.outputTokens;
  if (!bothOk) return result;
  result.latencyDeltaMs = shadow.latencyMs - served.latencyMs;
  result.finishMatch = served.finishReason !== undefined && served.finishReason === shadow.finishReason;
  result.similarity = textSimilarity(served.text ?? '', shadow.text ?? '');
  return result;
}

/**
 * A cheap similarity: Jaccard index over the sets of character trigrams of the two texts, after
 * lower-casing and collapsing whitespace. Trigrams (rather than word bigrams) still say something
 * about one-word answers and texts without spaces (CJK), and cost one pass over at most 8 K
 * characters. It measures shared wording, not meaning: a paraphrase scores low. Both empty → 1;
 * one empty → 0. A text shorter than three characters is its own single gram.
 */
export function textSimilarity(a: string, b: string): number {
  const ga = trigrams(a);
  const gb = trigrams(b);
  if (ga.size === 0 && gb.size === 0) return 1;
  if (ga.size === 0 || gb.size === 0) return 0;
  let shared = 0;
  for (const gram of ga) if (gb.has(gram)) shared++;
  return shared / (ga.size + gb.size - shared);
}

function trigrams(text: string): Set<string> {
  const normal = text.toLowerCase().replace(/\s+/g, ' ').trim();
  const grams = new Set<string>();
  if (normal.length === 0) return grams;
  if (normal.length < 3) return grams.add(normal);
  for (let i = 0; i + 3 <= normal.length; i++) grams.add(normal.slice(i, i + 3));
  return grams;
}

/** Everything one comparison's log line and metrics carry. */
export interface ShadowReport {
  alias: string;
  requestId: string;
  served: RunOutcome & { target: string };
  shadow: RunOutcome & { target: string };
}

/** Publishes one comparison: the Shadow* metrics and one `shadow` log line, without any text. */
export function publishShadow(telemetry: Telemetry, report: ShadowReport): Comparison {
  const { served, shadow } = report;
  const comparison = compare(served, shadow);
  const dims = { [DIMENSIONS.alias]: report.alias };
  telemetry.metric(METRICS.shadowRequests, 1, dims);
  telemetry.metric(METRICS.shadowFailures, shadow.ok ? 0 : 1, dims);
  if (comparison.bothOk) {
    telemetry.metric(METRICS.shadowSimilarity, comparison.similarity ?? 0, dims);
    telemetry.metric(METRICS.shadowFinishMatch, comparison.finishMatch ? 1 : 0, dims);
    telemetry.metric(METRICS.shadowLatencyDelta, comparison.latencyDeltaMs ?? 0, dims, 'Milliseconds');
    if (comparison.servedOutputTokens && comparison.shadowOutputTokens !== undefined) {
      telemetry.metric(METRICS.shadowOutputTokenRatio, comparison.shadowOutputTokens / comparison.servedOutputTokens, dims);
    }
  }
  const side = (o: RunOutcome & { target: string }) => ({
    target: o.target,
    ok: o.ok,
    outcome: o.outcome,
    latencyMs: o.latencyMs,
    ...(o.firstContentMs !== undefined ? { firstContentMs: o.firstContentMs } : {}),
    ...(o.usage ? { inputTokens: o.usage.inputTokens, outputTokens: o.usage.outputTokens } : {}),
    ...(o.finishReason ? { finishReason: o.finishReason } : {}),
  });
  telemetry.log('info', 'shadow', {
    alias: report.alias,
    requestId: report.requestId,
    served: side(served),
    shadow: side(shadow),
    bothOk: comparison.bothOk,
    ...(comparison.similarity !== undefined ? { similarity: Math.round(comparison.similarity * 1000) / 1000 } : {}),
    ...(comparison.finishMatch !== undefined ? { finishMatch: comparison.finishMatch } : {}),
    ...(comparison.latencyDeltaMs !== undefined ? { latencyDeltaMs: comparison.latencyDeltaMs } : {}),
  });
  return comparison;
}
