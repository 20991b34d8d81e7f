import type { ForcedMode, TargetKey } from '../ports.ts';
import type { BreakerRecord, ProbeLease } from './state-machine.ts';

/**
 * What the shared breaker layer (shared-store.ts) needs from a store of breaker records, and no
 * more: each method is one conditional write or one read, so an adapter holds only the conditions
 * (as Powertools' idempotency persistence layers do). Every write answers with the record as it
 * now is — ours when the condition held, the current one when it did not — so a loser adopts the
 * winner's state without another read. Adapters throw only on I/O errors; the layer degrades then.
 */
export interface BreakerPersistence {
  /** The record as stored (a fresh, consistent read); the initial record when there is none. */
  read(target: TargetKey): Promise<BreakerRecord>;
  /**
   * Adds a batch of counts atomically, only while the record is at `batch.generation`. Each window
   * bucket is a slot: `fresh` slots start over at the batch's bucket (the slot held an older one),
   * the others add to it (it holds this very bucket). The run of failures grows by `runFailures`,
   * or restarts from it when a success came first (`runReset`). At most once per `writer` and
   * `seq`: a batch sent again after a failure of unknown outcome (a timeout after the store applied
   * it) answers `ok` with the record as it is, without adding again.
   */
  add(target: TargetKey, batch: CountBatch): Promise<Written>;
  /** Writes `next` (a transition) only while the record is at generation `from`. */
  transition(target: TargetKey, from: number, next: BreakerRecord): Promise<Written>;
  /**
   * Takes probe lease `slot` only while the record is half-open at `generation` and the slot is
   * free or expired at `now`; with `halfOpen`, moves an open record due at `now` to half-open (the
   * generation after) and takes the slot in the same write.
   */
  takeLease(target: TargetKey, claim: LeaseClaim): Promise<Written>;
  /** Frees a slot if it still holds this lease. */
  releaseLease(target: TargetKey, slot: number, leaseId: string): Promise<void>;
  /** Raises the cooldown to `until` (never lowers it). */
  cooldown(target: TargetKey, until: number): Promise<void>;
  /**
   * Every target the store holds a record of, for an operator's listing (never on a request's
   * path). Optional: a store that cannot enumerate lists the configured targets only.
   */
  targets?(): Promise<TargetKey[]>;
  /** An operator's forced state: unconditional, a new generation, every lease freed. */
  force(target: TargetKey, mode: ForcedMode): Promise<BreakerRecord>;
}

export type Written = { ok: true; record: BreakerRecord } | { ok: false; record: BreakerRecord };

export interface SlotCount {
  slot: number;
  start: number;
  calls: number;
  failures: number;
  fresh: boolean;
}

export interface CountBatch {
  /** This instance, as a writer of the record. */
  writer: string;
  /** Grows with every batch of the writer (a time in ms, kept strictly increasing). */
  seq: number;
  generation: number;
  slots: SlotCount[];
  runFailures: number;
  runReset: boolean;
}

export interface LeaseClaim {
  generation: number;
  slot: number;
  lease: ProbeLease;
  now: number;
  halfOpen: boolean;
}

/**
 * How long a batch of unknown outcome is sent again with its `seq` before it is given up (a store
 * may forget a writer's `seq` after twice as long). Counts that old have left any window anyway.
 */
export const BREAKER_RETRY_HORIZON_MS = 10 * 60_000;
