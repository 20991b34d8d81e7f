import type { HeaderReader } from '../../ir/upstream.ts';

/**
 * Reads a provider's retry hint from response headers, in ms: `retry-after-ms` (OpenAI),
 * `x-ms-retry-after-ms` (Azure), then `retry-after` as seconds or an HTTP date. Returns undefined
 * when absent, unparsable or negative.
 */
export function retryAfterMs(headers: HeaderReader, now: number = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = headers.get(name);
    if (value !== null && value.trim() !== '') {
      const n = Number(value);
      if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
    }
  }
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
