import { counterId, type SpendBatch, type SpendCounter, type SpendStore } from './spend-ledger.ts';

/** Spend kept in this process (the local server, tests): the same contract as the DynamoDB store. */
export class MemorySpendStore implements SpendStore {
  private readonly totals = new Map<string, number>();
  /** Counter → writer → the last batch applied. */
  private readonly applied = new Map<string, Map<string, number>>();

  async add(counter: SpendCounter, batch: SpendBatch): Promise<number> {
    const id = counterId(counter);
    const writers = this.applied.get(id) ?? new Map<string, number>();
    this.applied.set(id, writers);
    const total = this.totals.get(id) ?? 0;
    // A batch sent again (or an older one): applied already, the total answers.
    if ((writers.get(batch.writer) ?? -Infinity) >= batch.seq) return total;
    writers.set(batch.writer, batch.seq);
    this.totals.set(id, total + batch.amount);
    return total + batch.amount;
  }

  async read(counters: SpendCounter[]): Promise<Map<string, number>> {
    return new Map(counters.map((c) => [counterId(c), this.totals.get(counterId(c)) ?? 0]));
  }
}
