import type { OpenResult, ProviderDialect, ProviderIO, TargetCall } from '../ir/dialect.ts';
import type { StreamEvent } from '../ir/events.ts';
import type { Failure } from '../ir/failure.ts';
import { runAttemptLoop, type Failed, type LoopDeps } from './attempt-loop.ts';
import type { ResolvedAlias, ResolvedTarget } from './compiled-config.ts';
import type { AttemptRecord } from './ports.ts';

export type UnaryCall<T> = (target: TargetCall, io: ProviderIO, dialect: ProviderDialect) => Promise<{ ok: true; value: T } | { ok: false; failure: Failure }>;

export interface UnaryInput {
  alias: ResolvedAlias;
  /** The alias's targets that can make this call, in order. */
  targets: ResolvedTarget[];
  deadline: number;
  forwardHeaders: (target: ResolvedTarget) => Record<string, string>;
  signal?: AbortSignal;
}

export type UnaryServed<T> = { kind: 'served'; value: T; target: ResolvedTarget; records: AttemptRecord[] };

/**
 * One JSON call per attempt (count_tokens, embeddings), served by the attempt loop itself: each
 * target's call is presented to the loop as an answer of one event, so retries, failover,
 * breakers, chaos, the deadline and the attempt records are exactly those of chat requests — one
 * loop, not two. The call runs under the header watchdog (`headerTimeoutMs` bounds the whole call:
 * these answers come in one piece). No hedging: a unary call is short.
 */
export async function runUnaryAttempts<T>(input: UnaryInput, deps: LoopDeps, call: UnaryCall<T>): Promise<UnaryServed<T> | Failed> {
  // By target: a retry on the same target overwrites its own slot, never another target's.
  const values = new Map<string, T>();
  const asDialect = (target: ResolvedTarget): ProviderDialect => ({
    dialect: target.dialect.dialect,
    probe: (targetCall, io) => target.dialect.probe(targetCall, io),
    async open(_request, targetCall, io): Promise<OpenResult> {
      const result = await call(targetCall, io, target.dialect);
      if (!result.ok) return result;
      values.set(target.key, result.value);
      return { ok: true, events: oneEventAnswer() };
    },
  });
  const alias: ResolvedAlias = { ...input.alias, targets: input.targets.map((t) => ({ ...t, dialect: asDialect(t) })) };
  const { hedges: _unused, ...loopDeps } = deps;
  const result = await runAttemptLoop(
    {
      alias,
      request: { model: alias.name, system: [], messages: [], stream: false },
      deadline: input.deadline,
      untilComplete: true,
      forwardHeaders: input.forwardHeaders,
      ...(input.signal ? { signal: input.signal } : {}),
    },
    loopDeps,
  );
  if (result.kind === 'failed') return result;
  await result.settle({ kind: 'success' }, '200');
  return { kind: 'served', value: values.get(result.target.key) as T, target: input.targets.find((t) => t.key === result.target.key)!, records: result.records };
}

/** The answer the loop reads for a call that returned: one content event and a clean finish. */
async function* oneEventAnswer(): AsyncGenerator<StreamEvent> {
  yield { type: 'text-delta', text: '.' };
  yield { type: 'finish', reason: 'stop' };
}
