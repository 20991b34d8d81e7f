import { scrubSecrets } from './scrub.ts';
import type { UpstreamResponse } from '../../ir/upstream.ts';

/** An error body is read up to this size: enough for any provider's error, bounded against abuse. */
export const MAX_ERROR_BYTES = 64 * 1024;

/**
 * Reads a response body as text, at most `limit` bytes, then releases the response. A body that
 * breaks off yields what arrived.
 */
export async function readBodyText(response: UpstreamResponse, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= limit) break;
    }
  } catch {
    // The body broke off: classify what arrived (often just the status).
  } finally {
    response.release();
  }
  // Scrubbed at the source: nothing key-shaped an upstream echoes travels on (the attempt also removes the configured key itself).
  return scrubSecrets(Buffer.concat(chunks).toString('utf8', 0, Math.min(size, limit)));
}

/** Reads a non-2xx response's body, at most MAX_ERROR_BYTES. */
export function readErrorBody(response: UpstreamResponse): Promise<string> {
  return readBodyText(response, MAX_ERROR_BYTES);
}
