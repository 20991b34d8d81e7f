import type { UpstreamResponse } from '../../functions/ir/upstream.ts';

/** An UpstreamResponse served from memory (the body in one chunk), for classifier and parser tests. */
export function upstreamResponse(status: number, body: string | Uint8Array, headers: Record<string, string> = {}): UpstreamResponse {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    status,
    headers: { get: (name) => lower[name] ?? null },
    body: {
      async *[Symbol.asyncIterator]() {
        if (bytes.byteLength > 0) yield bytes;
      },
    },
    release: () => {},
  };
}
