import { describe, expect, it } from 'vitest';
import { MemorySpendStore } from '../../../functions/core/budgets/memory-spend-store.ts';
import { SPEND_RETRY_HORIZON_MS, SpendLedger, SpendWriteRefusedError, type SpendBatch, type SpendCounter, type SpendStore } from '../../../functions/core/budgets/spend-ledger.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { RecordingTelemetry } from '../../support/recording-telemetry.ts';

const counter: SpendCounter = { scope: 'alias:assistant', period: 'day#2026-12-02', expiresAt: Date.UTC(2027, 0, 10) };

/** The in-memory store behind a switch: each write applied or not, then answered or failed. */
class FlakyStore implements SpendStore {
  readonly inner = new MemorySpendStore();
  readonly sent: SpendBatch[] = [];
  next: 'answer' | 'apply-then-fail' | 'fail' | 'refuse' = 'answer';

  async add(c: SpendCounter, batch: SpendBatch): Promise<number> {
    this.sent.push({ ...batch });
    if (this.next === 'refuse') throw new SpendWriteRefusedError('refused', { cause: new Error('400') });
    if (this.next === 'fail') throw new Error('timeout');
    const total = await this.inner.add(c, batch);
    if (this.next === 'apply-then-fail') throw new Error('timeout');
    return total;
  }

  read(counters: SpendCounter[]) {
    return this.inner.read(counters);
  }

  async total(): Promise<number> {
    return (await this.inner.read([counter])).get(`${counter.scope}|${counter.period}`) ?? 0;
  }
}

function ledgerOn(store: SpendStore, clock = new ManualClock({ frozen: true })) {
  const telemetry = new RecordingTelemetry();
  return { ledger: new SpendLedger({ store, clock, telemetry, flushMs: 60_000 }), clock, telemetry };
}

describe('spend ledger writes', () => {
  it('sends a batch of unknown outcome again unchanged, keeps newer spend apart, and the total is exact', async () => {
    const store = new FlakyStore();
    const { ledger } = ledgerOn(store);
    ledger.record(counter, 7_000);
    store.next = 'apply-then-fail';
    await ledger.flush();
    ledger.record(counter, 1_000);
    store.next = 'fail';
    await ledger.flush();
    store.next = 'answer';
    await ledger.flush();
    await ledger.flush();
    expect(store.sent.map((b) => b.amount)).toEqual([7_000, 7_000, 7_000, 1_000]);
    expect(new Set(store.sent.slice(0, 3).map((b) => b.seq)).size).toBe(1);
    expect(store.sent[3]!.seq).toBeGreaterThan(store.sent[0]!.seq);
    expect(await store.total()).toBe(8_000);
    expect(ledger.spent(counter)).toBe(8_000);
  });

  it('puts a refused batch back into the pending spend: it is written with the next one', async () => {
    const store = new FlakyStore();
    const { ledger } = ledgerOn(store);
    ledger.record(counter, 3_000);
    store.next = 'refuse';
    await ledger.flush();
    expect(ledger.spent(counter)).toBe(3_000);
    ledger.record(counter, 500);
    store.next = 'answer';
    await ledger.flush();
    expect(store.sent.map((b) => b.amount)).toEqual([3_000, 3_500]);
    expect(await store.total()).toBe(3_500);
  });

  it('gives up a batch of unknown outcome after the retry horizon rather than risk counting it twice', async () => {
    const store = new FlakyStore();
    const { ledger, clock, telemetry } = ledgerOn(store);
    ledger.record(counter, 7_000);
    store.next = 'apply-then-fail';
    await ledger.flush();
    clock.advance(SPEND_RETRY_HORIZON_MS);
    store.next = 'fail';
    await ledger.flush();
    store.next = 'answer';
    await ledger.flush();
    expect(store.sent).toHaveLength(2);
    expect(await store.total()).toBe(7_000);
    expect(telemetry.count('SpendStoreDegraded')).toBe(2);
  });
});
