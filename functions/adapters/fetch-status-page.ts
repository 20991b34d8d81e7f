import type { StatusPageFetch } from '../core/status-page.ts';

/** A summary is a few dozen KB; anything far larger is not one. */
const MAX_STATUS_PAGE_BYTES = 2 * 1024 * 1024;

/**
 * Reads a status page's JSON with fetch. Redirects are followed (status.anthropic.com moved to
 * status.claude.com): the request carries no key, so there is nothing to leak.
 */
export const fetchStatusPage: StatusPageFetch = async (url, signal) => {
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`status page answered ${response.status}`);
  }
  const text = await response.text();
  if (text.length > MAX_STATUS_PAGE_BYTES) throw new Error('status page answer too large');
  return JSON.parse(text) as unknown;
};
