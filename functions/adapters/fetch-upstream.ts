import type { Upstream } from '../core/ports.ts';

/**
 * The Upstream port on Node's fetch (undici): connections are kept alive and reused by the global
 * dispatcher; redirects are refused so a provider can never send a request (and its key) elsewhere.
 */
export const fetchUpstream: Upstream = (url, init) => fetch(url, { ...init, redirect: 'error' });
