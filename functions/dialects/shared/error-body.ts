import { scrubSecrets } from './scrub.ts';

/** An error body is read up to this size: enough for any provider's error, bounded against abuse. */
export const MAX_ERROR_BYTES = 64 * 1024;

/** Reads a non-2xx response's body, at most MAX_ERROR_BYTES; a body that breaks off yields what arrived. */
export async function readErrorBody(response: Response): Promise<string> {
  const body = response.body;
  if (!body) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let out = '';
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      out += decoder.decode(value, { stream: true });
      if (size >= MAX_ERROR_BYTES) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    // The body broke off: classify what arrived (often just the status).
  }
  // Scrubbed at the source: nothing key-shaped an upstream echoes travels on (the attempt also removes the configured key itself).
  return scrubSecrets(out.slice(0, MAX_ERROR_BYTES));
}
