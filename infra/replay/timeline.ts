import type { StateChange } from './evaluate.ts';

/** The layer an alarm belongs to, from its name `<stack>-<routing>-<what>`. */
export function layerOf(alarm: string): 'L1' | 'L2' | 'L3' | 'input' | '?' {
  const routing = /-(warn|failover|page|input)-/.exec(alarm)?.[1];
  return routing === 'warn' ? 'L1' : routing === 'failover' ? 'L2' : routing === 'page' ? 'L3' : routing === 'input' ? 'input' : '?';
}

/** One line per state change: time (UTC), layer, alarm, transition, the window's values. */
export function renderTimeline(changes: StateChange[], start?: number): string {
  if (changes.length === 0) return 'no alarm changed state';
  return changes
    .map((c) => {
      const time = new Date(c.at).toISOString().slice(11, 19);
      const offset = start !== undefined ? ` (+${Math.round((c.at - start) / 60_000)} min)` : '';
      const values = c.values ? `  [${c.values.map((v) => (v === undefined ? '-' : Number(v.toFixed(2)))).join(', ')}]` : '';
      return `${time}${offset}  ${layerOf(c.alarm).padEnd(5)}  ${c.alarm}  ${c.from} → ${c.to}${values}`;
    })
    .join('\n');
}
