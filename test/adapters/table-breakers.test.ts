import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerTable } from '../../functions/adapters/create-breaker-table.ts';
import { DynamoBreakerStore } from '../../functions/adapters/dynamo-breaker-store.ts';
import { TableBreakers } from '../../functions/adapters/table-breakers.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { compileConfig } from '../../functions/core/compiled-config.ts';
import { StatusBoard } from '../../functions/core/status-board.ts';
import { providerDialects } from '../../functions/dialects/registry.ts';
import { startDynalite } from '../support/dynalite.ts';
import { ManualClock } from '../support/manual-clock.ts';

/** The deployed status page's reader of the breaker table (dynalite): every target, configured first, failing loudly. */
const TABLE = 'table-breakers';
let dynalite: { endpoint: string; close(): Promise<void> };
let client: DynamoDBClient;
let operator: DynamoBreakerStore;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  await createBreakerTable(client, TABLE);
  operator = new DynamoBreakerStore({ client, table: TABLE, clock: new ManualClock(), timeoutMs: 5_000 });
});
afterAll(() => dynalite.close());

describe('TableBreakers', () => {
  it('lists the configured targets in order, then every other target the table holds; a new one after the discovery period', async () => {
    await operator.force('zeta/old', 'open');
    const clock = new ManualClock({ frozen: true });
    const reader = new TableBreakers({ client, table: TABLE, clock, configured: () => [{ target: 'b/second' }, { target: 'a/first' }], refreshMs: 500, discoverMs: 60_000 });
    const first = await reader.list();
    expect(first.map((b) => [b.target, b.forced])).toEqual([
      ['b/second', 'auto'],
      ['a/first', 'auto'],
      ['zeta/old', 'open'],
    ]);

    // Known targets are read again each time (past the 500 ms reuse); the table is not scanned again before 60 s.
    await operator.force('a/first', 'open');
    await operator.force('new/one', 'open');
    clock.advance(500);
    const second = await reader.list();
    expect(second.find((b) => b.target === 'a/first')?.forced).toBe('open');
    expect(second.map((b) => b.target)).not.toContain('new/one');
    clock.advance(60_000);
    expect((await reader.list()).map((b) => b.target)).toContain('new/one');
  });

  it('reuses one read for 500 ms', async () => {
    const clock = new ManualClock({ frozen: true });
    const reader = new TableBreakers({ client, table: TABLE, clock, configured: () => [{ target: 'c/reused' }] });
    expect((await reader.list()).find((b) => b.target === 'c/reused')?.forced).toBe('auto');
    await operator.force('c/reused', 'open');
    clock.advance(499);
    expect((await reader.list()).find((b) => b.target === 'c/reused')?.forced).toBe('auto');
    clock.advance(1);
    expect((await reader.list()).find((b) => b.target === 'c/reused')?.forced).toBe('open');
  });

  it('a table it cannot read is an error on the page, never a row of closed breakers', async () => {
    const unreachable = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    const clock = new ManualClock();
    const reader = new TableBreakers({ client: unreachable, table: TABLE, clock, configured: () => [{ target: 'p/m' }] });
    await expect(reader.list()).rejects.toThrow();
    const validated = validateConfig({ providers: { p: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9' } }, aliases: { a: { targets: [{ provider: 'p', model: 'm' }] } } });
    if (!validated.ok) throw new Error(validated.errors.join('; '));
    const compiled = await compileConfig(validated.config, { resolve: async () => undefined }, providerDialects);
    const board = new StatusBoard({ clock, breakers: reader, compiled: () => compiled, view: 'instance', breakersFrom: 'table', statusPages: false });
    const snapshot = await board.snapshot();
    expect(snapshot.breakers).toEqual([]);
    expect(snapshot.breakersError).toMatch(/could not be read/);
    expect(snapshot.aliases[0]?.targets.map((t) => t.key)).toEqual(['p/m']);
  });
});
