import { MemoryBreakerStore } from '../../../functions/core/breaker/memory-store.ts';
import { breakerStoreContract } from './contract.ts';

breakerStoreContract('in-memory', async (clock) => ({ store: new MemoryBreakerStore({ clock, random: () => 0.5 }) }));
