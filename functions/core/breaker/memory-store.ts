import { randomUUID } from 'node:crypto';
import type { BreakerSettings } from '../../config/schema.ts';
import type { Admission, BreakerOutcome, BreakerSnapshot, BreakerState, BreakerStore, Clock, ForcedMode, TargetKey } from '../ports.ts';
import * as machine from './state-machine.ts';

export interface MemoryBreakerOptions {
  clock: Clock;
  random?: () => number;
  /** Called on every state change, e.g. to emit a metric. */
  onTransition?: (target: TargetKey, from: BreakerState, to: BreakerState) => void;
}

/**
 * The breakers of one process: the local server's store, and the fallback of the DynamoDB store
 * when the table cannot answer. Single-threaded JavaScript makes each call atomic.
 */
export class MemoryBreakerStore implements BreakerStore {
  private readonly records = new Map<TargetKey, machine.BreakerRecord>();
  private readonly settingsSeen = new Map<TargetKey, BreakerSettings>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly onTransition?: MemoryBreakerOptions['onTransition'];

  constructor(options: MemoryBreakerOptions) {
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.onTransition = options.onTransition;
  }

  async admit(target: TargetKey, settings: BreakerSettings, leaseMs: number): Promise<Admission> {
    this.settingsSeen.set(target, settings);
    const now = this.clock.now();
    const { admission, record } = machine.admit(this.get(target), settings, now, () => ({ id: randomUUID(), until: now + leaseMs }));
    this.put(target, record);
    return admission;
  }

  async report(target: TargetKey, settings: BreakerSettings, admission: Admission, outcome: BreakerOutcome): Promise<void> {
    this.put(target, machine.report(this.get(target), settings, admission, outcome, this.clock.now(), this.random));
  }

  async observeProbe(target: TargetKey, settings: BreakerSettings, healthy: boolean): Promise<void> {
    this.settingsSeen.set(target, settings);
    this.put(target, machine.observeProbe(this.get(target), settings, healthy, this.clock.now(), this.random));
  }

  async list(): Promise<BreakerSnapshot[]> {
    const now = this.clock.now();
    return [...this.records].map(([target, record]) => machine.snapshot(target, record, this.settingsSeen.get(target), now));
  }

  async force(target: TargetKey, mode: ForcedMode): Promise<void> {
    this.put(target, machine.force(this.get(target), mode));
  }

  private get(target: TargetKey): machine.BreakerRecord {
    return this.records.get(target) ?? machine.initialRecord();
  }

  private put(target: TargetKey, record: machine.BreakerRecord): void {
    const before = this.records.get(target);
    if (before === record) return;
    this.records.set(target, record);
    const from = before?.state ?? 'closed';
    if (from !== record.state) this.onTransition?.(target, from, record.state);
  }
}
