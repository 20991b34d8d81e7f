import { isDeepStrictEqual } from 'node:util';

/** The fault a drill injects: every attempt on the provider answers 503 before reaching it. */
export const DRILL_CHAOS = { errorRate: 1, status: 503 } as const;

interface Document {
  providers?: Record<string, Record<string, unknown>>;
  aliases?: Record<string, { targets?: { provider: string; model: string }[]; shadow?: { target?: { provider?: string } } }>;
}

/** The alias's chain as the document says, or why the drill cannot run on it. */
export function chainOf(document: unknown, alias: string): { targets: { provider: string; model: string }[] } | { error: string } {
  const doc = document as Document;
  const entry = doc.aliases?.[alias];
  if (!entry?.targets) return { error: `alias "${alias}" is not in the configuration (known: ${Object.keys(doc.aliases ?? {}).join(', ') || 'none'})` };
  if (entry.targets.length < 2) return { error: `alias "${alias}" has a single target: there is nothing to fail over to` };
  return { targets: entry.targets };
}

/** Other aliases that use `provider` (chain or shadow): a fault on it would reach their traffic too. */
export function aliasesSharing(document: unknown, provider: string, alias: string): string[] {
  const doc = document as Document;
  return Object.entries(doc.aliases ?? {})
    .filter(([name, a]) => name !== alias && ((a.targets ?? []).some((t) => t.provider === provider) || a.shadow?.target?.provider === provider))
    .map(([name]) => name);
}

/** A copy of the document with the drill's chaos on `provider` (nothing else changes). */
export function withFault(document: unknown, provider: string): unknown {
  const copy = structuredClone(document) as Document;
  const entry = copy.providers?.[provider];
  if (!entry) throw new Error(`provider "${provider}" is not in the configuration`);
  entry.chaos = { ...DRILL_CHAOS };
  return copy;
}

export type Restored = { document: unknown } | { untouched: string };

/**
 * The document in force with `provider`'s chaos put back as it was before the drill. Only the
 * drill's own change is undone: whatever else changed meanwhile stays. If someone changed that
 * provider's chaos during the drill, theirs wins and nothing is written.
 */
export function withoutFault(current: unknown, provider: string, original: unknown): Restored {
  const copy = structuredClone(current) as Document;
  const entry = copy.providers?.[provider];
  if (!entry) return { untouched: `provider "${provider}" is no longer in the configuration` };
  if (!isFault(entry.chaos)) return { untouched: `the chaos of "${provider}" was changed by someone else during the drill; left as it is` };
  if (original === undefined) delete entry.chaos;
  else entry.chaos = structuredClone(original);
  return { document: copy };
}

/** The drill's chaos, as written or with the schema's defaults filled in by a server that echoes it. */
function isFault(chaos: unknown): boolean {
  const c = chaos as Record<string, unknown> | undefined;
  if (!c) return false;
  const defaults = { latencyMs: 0, resetRate: 0 };
  return isDeepStrictEqual({ ...defaults, ...c }, { ...defaults, ...DRILL_CHAOS });
}
