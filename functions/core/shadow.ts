import { DIMENSIONS, METRICS } from '../config/metric-names.ts';
import type { EffectivePolicy } from '../config/schema.ts';
import { isContentEvent, type FinishReason, type Usage } from '../ir/events.ts';
import type { ChatRequest } from '../ir/request.ts';
import { Attempt } from './attempt.ts';
import { outcomeLabel } from './attempt-loop.ts';
import { withChaos } from './chaos.ts';
import type { Clock, Telemetry, Upstream } from './ports.ts';
import type { ResolvedTarget } from './runtime.ts';

/**
 * Shadow traffic: a sampled request also goes to a shadow target, read to the end and compared
 * with what the client was served. The shadow is fire-and-forget for the client path: it never
 * throws, never touches a breaker (its outcomes must not move real traffic) and its answer is
 * never sent anywhere. Only numbers and labels leave this file, never text.
 */

/** Texts are compared on their first 8 K characters: enough to tell answers apart, bounded in memory. */
export const TEXT_BOUND = 8 * 1024;

/** Appends `piece` to `text`, keeping at most TEXT_BOUND characters. */
export function appendBounded(text: string, piece: string): string {
  if (text.length >= TEXT_BOUND) return text;
  return text.length + piece.length <= TEXT_BOUND ? text + piece : text + piece.slice(0, TEXT_BOUND - text.length);
}

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
  /** The answer's text, bounded by TEXT_BOUND. */
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
    let text = '';
    let usage: Usage | undefined;
    let finishReason: FinishReason | undefined;
    let firstContentMs: number | undefined;
    const partial = () => ({
      ...(firstContentMs !== undefined ? { firstContentMs } : {}),
      ...(usage ? { usage } : {}),
      ...(finishReason ? { finishReason } : {}),
      text,
    });
    for (;;) {
      const step = await attempt.next();
      if (step.type === 'failure') {
        attempt.abort();
        // A broken tail after the terminal event still leaves a whole answer (as on the client path).
        if (finishReason) return { ok: true, outcome: '200', latencyMs: elapsed(), ...partial() };
        return { ok: false, outcome: outcomeLabel(step.failure), latencyMs: elapsed(), ...partial() };
      }
      if (step.type === 'done') {
        if (finishReason) return { ok: true, outcome: '200', latencyMs: elapsed(), ...partial() };
        return { ok: false, outcome: 'stream-broken', latencyMs: elapsed(), ...partial() };
      }
      const event = step.event;
      if (firstContentMs === undefined && isContentEvent(event)) firstContentMs = elapsed();
      if (event.type === 'text-delta') text = appendBounded(text, event.text);
      else if (event.type === 'usage') usage = { ...usage, ...event.usage };
      else if (event.type === 'finish') finishReason = event.reason;
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
