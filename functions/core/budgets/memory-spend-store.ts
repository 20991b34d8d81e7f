import { counterId, type SpendCounter, type SpendStore } from './spend-ledger.ts';

/** Spend kept in this process (the local server, tests): the same contract as the DynamoDB store. */
export class MemorySpendStore implements SpendStore {
  private readonly totals = new Map<string, number>();

  async add(counter: SpendCounter, amount: number): Promise<number> {
    const id = counterId(counter);
    const total = (this.totals.get(id) ?? 0) + amount;
    this.totals.set(id, total);
    return total;
  }

  async read(counters: SpendCounter[]): Promise<Map<string, number>> {
    return new Map(counters.map((c) => [counterId(c), this.totals.get(counterId(c)) ?? 0]));
  }
}
