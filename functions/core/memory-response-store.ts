import type { Clock } from './ports.ts';
import type { ResponseStore, StoredResponse } from './response-store.ts';

/**
 * The response store of one process (the local server, tests): a map with expiry, bounded in
 * entries so a long-running local proxy cannot grow without end (the oldest entry goes first).
 */
export class MemoryResponseStore implements ResponseStore {
  private readonly entries = new Map<string, { value: string; expires: number }>();

  private readonly clock: Clock;
  private readonly maxEntries: number;

  constructor(clock: Clock, maxEntries = 1_000) {
    this.clock = clock;
    this.maxEntries = maxEntries;
  }

  get(owner: string, id: string): Promise<StoredResponse | undefined> {
    const key = `${owner}\u0000${id}`;
    const entry = this.entries.get(key);
    if (!entry) return Promise.resolve(undefined);
    if (entry.expires <= this.clock.now()) {
      this.entries.delete(key);
      return Promise.resolve(undefined);
    }
    // Stored as text: a caller can never change what another request later reads.
    return Promise.resolve(JSON.parse(entry.value) as StoredResponse);
  }

  put(owner: string, id: string, value: StoredResponse, ttlSeconds: number): Promise<void> {
    const key = `${owner}\u0000${id}`;
    this.entries.delete(key);
    this.entries.set(key, { value: JSON.stringify(value), expires: this.clock.now() + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return Promise.resolve();
  }
}
