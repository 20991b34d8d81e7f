import type { BreakerStore } from '../core/ports.ts';
import { proxyBase } from './client.ts';
import type { BreakerControl } from './run-drill.ts';

/** The local server's operator API (`POST /admin/breakers/<target>`); `adminKey` when the server has one. */
export function adminBreakerControl(url: string, adminKey?: string): BreakerControl {
  const base = `${proxyBase(url)}/admin/breakers`;
  return {
    description: `${base}`,
    async force(target, mode, signal) {
      const response = await fetch(`${base}/${target}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(adminKey ? { authorization: `Bearer ${adminKey}` } : {}) },
        body: JSON.stringify({ mode }),
        ...(signal ? { signal } : {}),
      });
      if (!response.ok) throw new Error(`POST ${base}/${target} answered ${response.status}: ${await response.text()}`);
    },
  };
}

/** A shared breaker store (the stack's table): every instance obeys within its refresh period. */
export function storeBreakerControl(store: BreakerStore, description: string): BreakerControl {
  return { description, force: (target, mode) => store.force(target, mode) };
}
