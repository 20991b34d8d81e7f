import type { Failure } from '../ir/failure.ts';
import type { ChatRequest } from '../ir/request.ts';
import { runAttemptLoop, type Committed, type Failed, type LoopDeps } from './attempt-loop.ts';
import type { ResolvedAlias, ResolvedTarget } from './compiled-config.ts';
import type { ContinuationForms} from './continuation.ts';
import { continuationRequest, looksTransient } from './continuation.ts';

/** What a stream needs to ask for a continuation of its answer. */
export interface ContinuationContext {
  alias: ResolvedAlias;
  /** The chain the request was routed to (core/routing), in order. */
  targets: ResolvedTarget[];
  /** The client's request, in the IR: continuations always take the translation lane. */
  request: ChatRequest;
  deadline: number;
  forwardHeaders: (target: ResolvedTarget) => Record<string, string>;
  signal?: AbortSignal;
  loop: LoopDeps;
  /** The process's memory of which targets refused a prefill. */
  forms: ContinuationForms;
}

/** Asks a continuation of `sent` (the text the client has) after `failure` broke the stream of `broken`. */
export type Continue = (broken: ResolvedTarget, sent: string, failure: Failure) => Promise<Committed | Failed>;

/**
 * Mid-stream continuation through the attempt loop: the same target first when the break looks
 * transient, then the targets after it in the chain, then those before it; each target asked in
 * its own form (continuation.ts). A target that refuses the prefill with a 400 is remembered and
 * asked once more with the instruction. Breakers, watchdogs and the deadline apply as to any attempt.
 */
export function streamContinuation(ctx: ContinuationContext): Continue {
  return async (broken, sent, failure) => {
    const targets = ctx.targets;
    const at = targets.findIndex((t) => t.key === broken.key);
    const others = [...targets.slice(at + 1), ...targets.slice(0, Math.max(0, at))];
    const chain = looksTransient(failure) ? [broken, ...others] : others;
    const run = () => {
      const asked = new Map<string, 'prefill' | 'instruction'>();
      const requestFor = (target: ResolvedTarget) => {
        const form = ctx.forms.formFor(target);
        asked.set(target.key, form);
        return continuationRequest(ctx.request, sent, form);
      };
      return runAttemptLoop(
        {
          alias: ctx.alias,
          targets: chain,
          request: ctx.request,
          deadline: ctx.deadline,
          untilComplete: false,
          forwardHeaders: ctx.forwardHeaders,
          continuation: { requestFor },
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        },
        ctx.loop,
      ).then((result) => ({ result, asked }));
    };
    const { result, asked } = await run();
    if (result.kind === 'committed' || result.cancelled) return result;
    // A 400 on a prefill: that target does not take one. Remember it, and ask once more.
    const last = result.records.filter((r) => !r.outcome.startsWith('skipped')).at(-1);
    if (last && asked.get(last.target) === 'prefill' && /^4\d\d$/.test(last.outcome) && last.outcome !== '429') {
      ctx.forms.prefillRefused(last.target);
      const again = await run();
      again.result.records.unshift(...result.records);
      return again.result;
    }
    return result;
  };
}
