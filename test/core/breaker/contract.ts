import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../functions/config/defaults.ts';
import type { BreakerSettings } from '../../../functions/config/schema.ts';
import type { Admission, BreakerSnapshot, BreakerStore } from '../../../functions/core/ports.ts';
import { ManualClock } from '../../support/manual-clock.ts';

export interface StoreUnderTest {
  store: BreakerStore;
  close?: () => Promise<void>;
}

const settings: BreakerSettings = { ...DEFAULT_POLICY.breaker };
const LEASE_MS = 30_000;

/**
 * The BreakerStore contract (RELIABILITY.md §2), run against every implementation. `make` gets a
 * manual clock and a random source fixed at 0.5 (no jitter), and returns a fresh, empty store.
 */
export function breakerStoreContract(name: string, make: (clock: ManualClock) => Promise<StoreUnderTest>): void {
  describe(`BreakerStore contract: ${name}`, () => {
    let clock: ManualClock;
    let subject: StoreUnderTest;
    let store: BreakerStore;
    let n = 0;
    let target: string;

    beforeEach(async () => {
      clock = new ManualClock({ frozen: true });
      subject = await make(clock);
      store = subject.store;
      target = `p${++n}/model-${Date.now()}`;
    });
    afterEach(async () => {
      await subject.close?.();
    });

    const admit = (s: BreakerSettings = settings, key = target) => store.admit(key, s, LEASE_MS);
    const state = async (key = target): Promise<BreakerSnapshot | undefined> => (await store.list()).find((b) => b.target === key);
    async function fail(times: number, s: BreakerSettings = settings): Promise<void> {
      for (let i = 0; i < times; i++) await store.report(target, s, await admit(s), { kind: 'failure' });
    }
    async function openIt(): Promise<void> {
      await fail(settings.consecutiveFailures);
      expect((await state())?.state).toBe('open');
    }

    it('allows a fresh target and lists it', async () => {
      expect((await admit()).decision).toBe('allow');
      await store.report(target, settings, await admit(), { kind: 'success' });
      const snap = await state();
      expect(snap).toMatchObject({ state: 'closed', forced: 'auto' });
    });

    it('opens after consecutiveFailures in a row, and a success in between resets the run', async () => {
      await fail(settings.consecutiveFailures - 1);
      await store.report(target, settings, await admit(), { kind: 'success' });
      await fail(settings.consecutiveFailures - 1);
      expect((await state())?.state).toBe('closed');
      await fail(1);
      const snap = await state();
      expect(snap?.state).toBe('open');
      expect(snap?.consecutiveOpens).toBe(1);
    });

    it('opens on the failure rate once the window holds minCalls', async () => {
      const rate: BreakerSettings = { ...settings, consecutiveFailures: 1000, minCalls: 10, failureRate: 0.5 };
      for (let i = 0; i < 9; i++) {
        await store.report(target, rate, await admit(rate), { kind: i % 2 === 0 ? 'failure' : 'success' });
      }
      expect((await state())?.state).toBe('closed');
      await store.report(target, rate, await admit(rate), { kind: 'success' });
      // 10 calls, 5 failures: 50 % — but the last call was a success and only a failure trips.
      expect((await state())?.state).toBe('closed');
      await store.report(target, rate, await admit(rate), { kind: 'failure' });
      expect((await state())?.state).toBe('open');
    });

    it('forgets failures older than the window', async () => {
      const rate: BreakerSettings = { ...settings, consecutiveFailures: 1000, minCalls: 4, failureRate: 0.5 };
      await store.report(target, rate, await admit(rate), { kind: 'failure' });
      await store.report(target, rate, await admit(rate), { kind: 'failure' });
      await store.report(target, rate, await admit(rate), { kind: 'failure' });
      clock.advance(rate.windowMs + 1);
      await store.report(target, rate, await admit(rate), { kind: 'failure' });
      expect((await state())?.state).toBe('closed');
      expect((await state())?.windowCalls).toBe(1);
    });

    it('counts slow calls as failures', async () => {
      for (let i = 0; i < settings.consecutiveFailures; i++) {
        await store.report(target, settings, await admit(), { kind: 'failure', slow: true });
      }
      expect((await state())?.state).toBe('open');
    });

    it('skips an open target until its period ends, then lets exactly one probe through', async () => {
      await openIt();
      const skipped = await admit();
      expect(skipped).toMatchObject({ decision: 'skip', reason: 'open' });
      expect(skipped.decision === 'skip' && skipped.until).toBe((await state())!.openUntil);
      clock.advance(settings.openMs + 1);
      const probe = await admit();
      expect(probe.decision).toBe('probe');
      expect(await admit()).toMatchObject({ decision: 'skip', reason: 'half-open-busy' });
      expect((await state())?.state).toBe('half-open');
    });

    it('closes on a probe success and resets the counters', async () => {
      await openIt();
      clock.advance(settings.openMs + 1);
      const probe = await admit();
      await store.report(target, settings, probe, { kind: 'success' });
      const snap = await state();
      expect(snap).toMatchObject({ state: 'closed', consecutiveOpens: 0, consecutiveFailures: 0, windowCalls: 0 });
      expect((await admit()).decision).toBe('allow');
    });

    it('re-opens on a probe failure, for twice as long up to maxOpenMs', async () => {
      await openIt();
      const first = (await state())!;
      expect(first.openUntil - clock.now()).toBe(settings.openMs);
      clock.advance(settings.openMs + 1);
      await store.report(target, settings, await admit(), { kind: 'failure' });
      const second = (await state())!;
      expect(second.state).toBe('open');
      expect(second.consecutiveOpens).toBe(2);
      expect(second.openUntil - clock.now()).toBe(Math.min(settings.maxOpenMs, settings.openMs * 2));
      clock.advance(settings.maxOpenMs + 1);
      await store.report(target, settings, await admit(), { kind: 'failure' });
      expect((await state())!.openUntil - clock.now()).toBe(settings.maxOpenMs);
    });

    it('ignores an outcome admitted under an older generation', async () => {
      const stale = await admit();
      await openIt();
      const before = (await state())!;
      await store.report(target, settings, stale, { kind: 'success' });
      await store.report(target, settings, stale, { kind: 'failure' });
      const after = (await state())!;
      expect(after.generation).toBe(before.generation);
      expect(after.state).toBe('open');
      expect(after.openUntil).toBe(before.openUntil);
    });

    it('lets an expired lease be taken again', async () => {
      await openIt();
      clock.advance(settings.openMs + 1);
      const probe = await store.admit(target, settings, 1_000);
      expect(probe.decision).toBe('probe');
      expect((await admit()).decision).toBe('skip');
      clock.advance(1_001);
      const again = await admit();
      expect(again.decision).toBe('probe');
    });

    it('releases the lease on a neutral outcome without changing state', async () => {
      await openIt();
      clock.advance(settings.openMs + 1);
      const probe = await admit();
      await store.report(target, settings, probe, { kind: 'neutral' });
      expect((await state())?.state).toBe('half-open');
      expect((await admit()).decision).toBe('probe');
    });

    it('obeys a forced state over everything, and returns to the breaker on auto', async () => {
      await store.force(target, 'open');
      expect(await admit()).toMatchObject({ decision: 'skip', reason: 'forced-open' });
      await store.force(target, 'closed');
      await fail(settings.consecutiveFailures);
      expect((await admit()).decision).toBe('allow');
      await store.force(target, 'auto');
      await fail(settings.consecutiveFailures);
      expect((await admit()).decision).toBe('skip');
      expect((await state())?.forced).toBe('auto');
    });

    it('keeps a forced-open target out even after its failures would have closed it', async () => {
      await openIt();
      await store.force(target, 'open');
      clock.advance(settings.maxOpenMs * 10);
      expect(await admit()).toMatchObject({ decision: 'skip', reason: 'forced-open' });
      await store.observeProbe(target, settings, true);
      expect(await admit()).toMatchObject({ decision: 'skip', reason: 'forced-open' });
    });

    it('skips a target in cooldown after a 429 without counting a failure', async () => {
      const admission = await admit();
      await store.report(target, settings, admission, { kind: 'cooldown', until: clock.now() + 5_000 });
      expect(await admit()).toMatchObject({ decision: 'skip', reason: 'cooldown' });
      expect((await state())?.windowFailures).toBe(0);
      clock.advance(5_001);
      expect((await admit()).decision).toBe('allow');
    });

    it('opens for longOpenMs at once on an auth or quota failure', async () => {
      await store.report(target, settings, await admit(), { kind: 'long-open' });
      const snap = (await state())!;
      expect(snap.state).toBe('open');
      expect(snap.openUntil - clock.now()).toBe(settings.longOpenMs);
    });

    it('lets failing health probes open a closed breaker, and passing ones only half-open it', async () => {
      await store.observeProbe(target, settings, false);
      expect((await state())?.state).toBe('open');
      await store.observeProbe(target, settings, true);
      expect((await state())?.state).toBe('half-open');
      await store.observeProbe(target, settings, true);
      expect((await state())?.state).toBe('half-open');
      const probe = await admit();
      expect(probe.decision).toBe('probe');
      await store.report(target, settings, probe, { kind: 'success' });
      expect((await state())?.state).toBe('closed');
    });

    it('counts 100 concurrent failure reports exactly, with exactly one open transition', async () => {
      const counting: BreakerSettings = { ...settings, consecutiveFailures: 1000, minCalls: 1000 };
      const admissions = await Promise.all(Array.from({ length: 100 }, () => admit(counting)));
      await Promise.all(admissions.map((a) => store.report(target, counting, a, { kind: 'failure' })));
      const counted = (await state())!;
      expect(counted.windowCalls).toBe(100);
      expect(counted.windowFailures).toBe(100);
      expect(counted.state).toBe('closed');

      const other = `${target}-b`;
      const tripping: BreakerSettings = { ...settings, consecutiveFailures: 1000, minCalls: 10 };
      const batch: Admission[] = await Promise.all(Array.from({ length: 100 }, () => store.admit(other, tripping, LEASE_MS)));
      const generation = batch[0]!.generation;
      await Promise.all(batch.map((a) => store.report(other, tripping, a, { kind: 'failure' })));
      const opened = (await state(other))!;
      expect(opened.state).toBe('open');
      expect(opened.generation).toBe(generation + 1);
      expect(opened.consecutiveOpens).toBe(1);
    });

    it('counts a burst of 100 concurrent mixed outcomes exactly, and the run after its last success', async () => {
      const counting: BreakerSettings = { ...settings, consecutiveFailures: 1000, minCalls: 1000 };
      const admissions = await Promise.all(Array.from({ length: 100 }, () => admit(counting)));
      // 60 successes then 40 failures, reported all at once: the run is the 40 after the last success.
      await Promise.all(admissions.map((a, i) => store.report(target, counting, a, { kind: i < 60 ? 'success' : 'failure' })));
      const counted = (await state())!;
      expect(counted).toMatchObject({ state: 'closed', windowCalls: 100, windowFailures: 40, consecutiveFailures: 40 });
      await store.report(target, counting, await admit(counting), { kind: 'success' });
      expect((await state())?.consecutiveFailures).toBe(0);
    });

    it('hands out exactly the configured number of leases to 100 concurrent probes', async () => {
      const three: BreakerSettings = { ...settings, probes: 3 };
      await fail(three.consecutiveFailures, three);
      clock.advance(three.openMs + 1);
      const admissions = await Promise.all(Array.from({ length: 100 }, () => admit(three)));
      expect(admissions.filter((a) => a.decision === 'probe')).toHaveLength(3);
      expect(admissions.filter((a) => a.decision === 'skip')).toHaveLength(97);
      expect((await state())?.probes).toBe(3);
    });
  });
}
