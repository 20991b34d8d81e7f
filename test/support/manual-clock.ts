import type { Clock } from '../../functions/core/ports.ts';

/**
 * A clock tests move by hand. Running (the default), it follows real time plus the offset, so the
 * proxy's deadlines still pass while timers stay real (watchdogs). Frozen, it moves only by hand:
 * breaker periods can then be asserted to the millisecond.
 */
export class ManualClock implements Clock {
  private offset = 0;
  private readonly frozenAt: number | undefined;

  constructor(options: { frozen?: boolean } = {}) {
    this.frozenAt = options.frozen ? Date.now() : undefined;
  }

  now(): number {
    return (this.frozenAt ?? Date.now()) + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}
