import type { CompiledConfig } from './compiled-config.ts';
import type { StatusPageReading } from './status-page.ts';
import type { BreakerStore, Clock, RequestRecord, Telemetry } from './ports.ts';

/**
 * What the live status page shows, gathered in memory: the last attempts (outcomes only, never a
 * prompt, an answer or a key), the traffic share per target per minute, and the last status-page
 * readings. It is a Telemetry sink, so it sees exactly what the log line sees and nothing more.
 */
export const TRAFFIC_MINUTES = 5;
const LAST_ATTEMPTS = 25;

/**
 * Whose view the page shows. The local server is the whole proxy; a Lambda instance is one of many:
 * its traffic and attempts are its own, while breakers come from the table every instance shares.
 */
export interface StatusScope {
  /** `server`: every request of this proxy; `instance`: only those this Lambda instance served. */
  view: 'server' | 'instance';
  /** Since when this view counts (the process's or instance's start). */
  since: number;
  /** `memory`: this process's breakers; `table`: the shared DynamoDB table, every target it holds. */
  breakers: 'memory' | 'table';
  /** Whether status-page readings can appear (the health checker runs in this process). */
  statusPages: boolean;
}

export interface StatusSnapshot {
  now: number;
  scope: StatusScope;
  aliases: {
    name: string;
    targets: { key: string; position: number; usable: boolean }[];
  }[];
  breakers: { target: string; state: string; forced: string; openUntil: number; failures: number; calls: number }[];
  /** Why `breakers` is empty when it could not be read (the table unreachable). */
  breakersError?: string;
  /** Served requests per target over the last TRAFFIC_MINUTES minutes, and its share of the alias's. */
  traffic: { alias: string; target: string; served: number; share: number }[];
  attempts: { at: number; alias: string; target: string; outcome: string; status: number; durationMs: number }[];
  faults: { provider: string; chaos: Record<string, unknown> }[];
  statusPages: { provider: string; level: string; components: { name: string; status: string }[] }[];
}

export interface StatusSource {
  snapshot(): Promise<StatusSnapshot>;
  /** Called when something on the page changed; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

export interface StatusBoardDeps {
  clock: Clock;
  /** Where breaker states are read: the process's store, or a reader of the whole table (Lambda). */
  breakers: Pick<BreakerStore, 'list'>;
  compiled: () => CompiledConfig;
  view?: StatusScope['view'];
  breakersFrom?: StatusScope['breakers'];
  statusPages?: boolean;
}

export class StatusBoard implements Telemetry, StatusSource {
  /** The last LAST_ATTEMPTS attempts, a ring: `next` is where the next one goes (the oldest). */
  private readonly attempts: StatusSnapshot['attempts'][number][] = [];
  private next = 0;
  /** minute → alias → target → served requests */
  private readonly served = new Map<number, Map<string, Map<string, number>>>();
  /** The minute requests are being counted in, and its map: the older minutes are pruned when it changes. */
  private minute = -1;
  private thisMinute = new Map<string, Map<string, number>>();
  private readonly listeners = new Set<() => void>();
  private statusPages = new Map<string, StatusPageReading>();

  private readonly deps: StatusBoardDeps;
  private readonly scope: StatusScope;

  constructor(deps: StatusBoardDeps) {
    this.deps = deps;
    this.scope = { view: deps.view ?? 'server', since: deps.clock.now(), breakers: deps.breakersFrom ?? 'memory', statusPages: deps.statusPages ?? true };
  }

  request(record: RequestRecord): void {
    const now = this.deps.clock.now();
    for (const attempt of record.attempts) {
      this.attempts[this.next] = { at: now, alias: record.alias, target: attempt.target, outcome: attempt.outcome, status: record.status, durationMs: attempt.durationMs };
      this.next = (this.next + 1) % LAST_ATTEMPTS;
    }
    if (record.servedBy) {
      const minute = Math.floor(now / 60_000);
      if (minute !== this.minute) this.turnMinute(minute);
      let byTarget = this.thisMinute.get(record.alias);
      if (!byTarget) this.thisMinute.set(record.alias, (byTarget = new Map<string, number>()));
      const target = `${record.servedBy.provider}/${record.servedBy.model}`;
      byTarget.set(target, (byTarget.get(target) ?? 0) + 1);
    }
    this.changed();
  }

  /** A new minute (or a clock set back): count into its map, forget minutes out of the window. */
  private turnMinute(minute: number): void {
    this.minute = minute;
    let byAlias = this.served.get(minute);
    if (!byAlias) this.served.set(minute, (byAlias = new Map<string, Map<string, number>>()));
    this.thisMinute = byAlias;
    for (const old of this.served.keys()) if (old <= minute - TRAFFIC_MINUTES) this.served.delete(old);
  }

  /** The remembered attempts, newest first. */
  private lastAttempts(): StatusSnapshot['attempts'] {
    const newestFirst: StatusSnapshot['attempts'] = [];
    for (let i = 1; i <= this.attempts.length; i++) newestFirst.push(this.attempts[(this.next - i + LAST_ATTEMPTS) % LAST_ATTEMPTS]!);
    return newestFirst;
  }

  metric(): void {}

  /** Breaker transitions and configuration changes are logged: the page redraws (batched). */
  log(): void {
    this.changed();
  }

  /** The health checker's latest readings of the providers' status pages. */
  recordStatusPages(readings: Map<string, StatusPageReading>): void {
    this.statusPages = readings;
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  async snapshot(): Promise<StatusSnapshot> {
    const now = this.deps.clock.now();
    const compiled = this.deps.compiled();
    const aliases = [...Object.entries(compiled.config.aliases)].map(([name, alias]) => {
      const usable = new Set(compiled.aliases.get(name)?.targets.map((t) => t.key));
      return { name, targets: alias.targets.map((t, i) => ({ key: `${t.provider}/${t.model}`, position: i + 1, usable: usable.has(`${t.provider}/${t.model}`) })) };
    });
    let breakers: StatusSnapshot['breakers'] = [];
    let breakersError: string | undefined;
    try {
      breakers = (await this.deps.breakers.list()).map((b) => ({
        target: b.target,
        state: b.state,
        forced: b.forced,
        openUntil: b.openUntil,
        failures: b.windowFailures,
        calls: b.windowCalls,
      }));
    } catch (error) {
      // Said on the page rather than drawn as "closed": an unread breaker is not a closed one.
      breakersError = `the breakers could not be read (${error instanceof Error ? error.name : 'error'}); states are not shown`;
    }
    const traffic: StatusSnapshot['traffic'] = [];
    const since = Math.floor(now / 60_000) - TRAFFIC_MINUTES;
    for (const { name } of aliases) {
      const totals = new Map<string, number>();
      for (const [minute, byAlias] of this.served) {
        if (minute <= since) continue;
        for (const [target, n] of byAlias.get(name) ?? []) totals.set(target, (totals.get(target) ?? 0) + n);
      }
      const sum = [...totals.values()].reduce((a, b) => a + b, 0);
      for (const [target, served] of totals) traffic.push({ alias: name, target, served, share: sum > 0 ? served / sum : 0 });
    }
    const faults = Object.entries(compiled.config.providers).flatMap(([provider, p]) => (p.chaos ? [{ provider, chaos: { ...p.chaos } }] : []));
    const statusPages = [...this.statusPages].map(([provider, r]) => ({ provider, level: r.level, components: r.components }));
    return { now, scope: this.scope, aliases, breakers, ...(breakersError ? { breakersError } : {}), traffic, attempts: this.lastAttempts(), faults, statusPages };
  }
}
