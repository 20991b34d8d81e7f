/**
 * Log lines never echo caller input unbounded: an unknown 1 MB model name once became a 1 MB log
 * line. Every string a log line or a metric dimension carries (alias, model, path, ids, messages)
 * passes through here, in the telemetry adapters, and is cut to a short bound.
 */

/** Characters kept of one logged string; identifiers are far shorter. */
export const MAX_LOGGED_CHARS = 256;
/** Characters kept of a log line's message (operator warnings name config paths). */
export const MAX_LOGGED_MESSAGE_CHARS = 1024;
/** Nesting followed into logged fields; deeper values are summarised. */
const MAX_LOGGED_DEPTH = 4;

/** `value` cut to `max` characters, with how much was cut. */
export function boundedText(value: string, max = MAX_LOGGED_CHARS): string {
  return value.length <= max ? value : `${value.slice(0, max)}…(${value.length - max} more)`;
}

/** Items kept of one logged array. */
const MAX_LOGGED_ITEMS = 50;

/** A copy of `value` with every string in it bounded (records, log fields). */
export function boundedForLog<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return boundedText(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_LOGGED_DEPTH) return '(nested too deep to log)' as T;
  if (Array.isArray(value)) return value.slice(0, MAX_LOGGED_ITEMS).map((item: unknown) => boundedForLog(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) if (Object.hasOwn(value, key)) out[boundedText(key)] = boundedForLog((value as Record<string, unknown>)[key], depth + 1);
  return out as T;
}

/**
 * Whether boundedForLog would change anything in `value`. A log line serialized at once can then
 * skip the copy when (as nearly always) every string is already short.
 */
export function exceedsLogBounds(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.length > MAX_LOGGED_CHARS;
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= MAX_LOGGED_DEPTH) return true;
  if (Array.isArray(value)) {
    if (value.length > MAX_LOGGED_ITEMS) return true;
    for (const item of value) if (exceedsLogBounds(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.length > MAX_LOGGED_CHARS || exceedsLogBounds((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}
