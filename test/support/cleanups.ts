import { afterEach } from 'vitest';
import { startFakeProvider, type Behavior, type FakeProvider, type SeenRequest } from './fake-provider.ts';

/**
 * What a test started (fake providers, proxies, servers) and must stop after it, newest first.
 * One registry for every suite instead of a copy per file.
 */
const cleanups: (() => Promise<void> | void)[] = [];

/** Registers the per-test cleanup hook; call once at the top of a test file. */
export function useCleanups(): void {
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
}

/** Stops `stop` after the current test. */
export function onCleanup(stop: () => Promise<void> | void): void {
  cleanups.push(stop);
}

/** An HTTP fake provider (OpenAI, Anthropic or Gemini wire) closed after the test. */
export async function fakeHttp(script: (request: SeenRequest, index: number) => Behavior): Promise<FakeProvider> {
  const provider = await startFakeProvider(script);
  onCleanup(() => provider.close());
  return provider;
}
