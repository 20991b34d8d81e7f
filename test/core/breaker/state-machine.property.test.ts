import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../functions/config/defaults.ts';
import type { BreakerSettings } from '../../../functions/config/schema.ts';
import * as machine from '../../../functions/core/breaker/state-machine.ts';
import type { Admission, BreakerOutcome } from '../../../functions/core/ports.ts';

type Op =
  | { op: 'admit'; leaseMs: number }
  | { op: 'report'; which: number; outcome: BreakerOutcome['kind'] }
  | { op: 'probe'; healthy: boolean }
  | { op: 'force'; mode: 'open' | 'closed' | 'auto' }
  | { op: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('admit' as const), leaseMs: fc.integer({ min: 1, max: 40_000 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('report' as const),
      which: fc.nat(),
      outcome: fc.constantFrom<BreakerOutcome['kind']>('success', 'failure', 'long-open', 'cooldown', 'neutral'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('probe' as const), healthy: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('force' as const), mode: fc.constantFrom('open' as const, 'closed' as const, 'auto' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30_000 }) }) },
);

const settingsArb: fc.Arbitrary<BreakerSettings> = fc.record({
  failureRate: fc.constantFrom(0.25, 0.5, 1),
  windowMs: fc.constantFrom(6_000, 60_000),
  minCalls: fc.integer({ min: 1, max: 10 }),
  consecutiveFailures: fc.integer({ min: 1, max: 6 }),
  openMs: fc.constantFrom(1_000, 10_000),
  maxOpenMs: fc.constantFrom(10_000, 20_000),
  longOpenMs: fc.constant(DEFAULT_POLICY.breaker.longOpenMs),
  probes: fc.integer({ min: 1, max: 3 }),
});

/** Runs a sequence of operations and checks the invariants after every step. */
function run(settings: BreakerSettings, ops: Op[], random: () => number): void {
  let record = machine.initialRecord();
  let now = 1_000_000;
  let leaseSeq = 0;
  const admissions: Admission[] = [];
  for (const step of ops) {
    const before = record;
    switch (step.op) {
      case 'admit': {
        const result = machine.admit(record, settings, now, { id: `l${leaseSeq++}`, until: now + step.leaseMs });
        admissions.push(result.admission);
        record = result.record;
        break;
      }
      case 'report': {
        const admission = admissions[step.which % Math.max(1, admissions.length)];
        if (!admission) break;
        const outcome: BreakerOutcome = step.outcome === 'cooldown' ? { kind: 'cooldown', until: now + 1_000 } : ({ kind: step.outcome } as BreakerOutcome);
        record = machine.report(record, settings, admission, outcome, now, random);
        break;
      }
      case 'probe':
        record = machine.observeProbe(record, settings, step.healthy, now, random);
        break;
      case 'force':
        record = machine.force(record, step.mode);
        break;
      case 'advance':
        now += step.ms;
        break;
    }
    // Generations only grow, and every state change bumps the generation.
    expect(record.generation).toBeGreaterThanOrEqual(before.generation);
    if (record.state !== before.state) expect(record.generation).toBeGreaterThan(before.generation);
    // Never open → closed without half-open in between.
    if (before.state === 'open') expect(record.state).not.toBe('closed');
    // In-flight probes never above the limit, and only while half-open.
    expect(machine.liveLeases(record.leases, now).length).toBeLessThanOrEqual(settings.probes);
    if (record.state !== 'half-open') expect(record.leases).toHaveLength(0);
    // An open period never exceeds the longest allowed one.
    if (record.state === 'open') expect(record.openUntil - now).toBeLessThanOrEqual(Math.max(settings.longOpenMs, settings.maxOpenMs * 1.2));
  }
}

describe('breaker state machine properties', () => {
  it('keeps its invariants under any sequence of admissions, outcomes, probes, forces and time', () => {
    fc.assert(
      fc.property(settingsArb, fc.array(opArb, { maxLength: 120 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (settings, ops, r) => {
        run(settings, ops, () => r);
      }),
      { numRuns: 400 },
    );
  });

  it('opens within consecutiveFailures reports when every call fails', () => {
    fc.assert(
      fc.property(settingsArb, (settings) => {
        let record = machine.initialRecord();
        for (let i = 0; i < settings.consecutiveFailures; i++) {
          const { admission } = machine.admit(record, settings, 0, { id: `${i}`, until: 1 });
          record = machine.report(record, settings, admission, { kind: 'failure' }, 0, () => 0.5);
        }
        expect(record.state).toBe('open');
        expect(record.generation).toBe(1);
      }),
    );
  });
});
