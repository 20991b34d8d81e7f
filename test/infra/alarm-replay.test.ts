import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';
import { emfLineTelemetry } from '../../functions/adapters/emf-lines.ts';
import { fanOutTelemetry } from '../../functions/adapters/fan-out-telemetry.ts';
import { fetchStatusPage } from '../../functions/adapters/fetch-status-page.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { startLocalServer, type LocalServer } from '../../functions/local/server.ts';
import { datapointsFromEmf } from '../../infra/replay/emf-datapoints.ts';
import { replayAlarms, type StateChange } from '../../infra/replay/evaluate.ts';
import { synthesizedAlarms } from '../../infra/replay/synth-alarms.ts';
import { layerOf, renderTimeline } from '../../infra/replay/timeline.ts';
import { openaiTextFrames, startFakeProvider, type Behavior, type FakeProvider } from '../support/fake-provider.ts';
import { startFakeStatuspage, type FakeStatuspage } from '../support/fake-statuspage.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { writeConfig } from './stack-fixture.ts';

/**
 * A scripted outage against the local server, minute by minute on a clock the test moves: the
 * metrics go out as the EMF lines Lambda would write, and the stack's own alarms (synthesized for
 * the same config) are replayed over them.
 *   0–1  healthy
 *   2–3  the primary's status page reports degraded performance (traffic still fine)
 *   4–6  the primary is down: probes and requests get 503
 *   7–9  the fallback fails too
 *   10–15 recovery
 */
type Mode = 'ok' | 'down';
const mode: Record<'primary' | 'fallback', Mode> = { primary: 'ok', fallback: 'ok' };

function upstream(name: 'primary' | 'fallback') {
  return (request: { method: string; url: string; body: unknown }): Behavior => {
    if (mode[name] === 'down') return { kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } };
    if (request.method === 'GET') return { kind: 'json', status: 200, body: { object: 'list', data: [{ id: 'm', object: 'model' }] } };
    if ((request.body as { stream?: boolean }).stream) return { kind: 'sse', frames: openaiTextFrames(['fine']) };
    return {
      kind: 'json',
      status: 200,
      body: { id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
    };
  };
}

let primary: FakeProvider;
let fallback: FakeProvider;
let statuspage: FakeStatuspage;
let server: LocalServer;
const lines: string[] = [];
const clock = new ManualClock();
let configFile: string;
let changes: StateChange[] = [];

beforeAll(async () => {
  primary = await startFakeProvider(upstream('primary'));
  fallback = await startFakeProvider(upstream('fallback'));
  statuspage = await startFakeStatuspage({ API: 'operational' });
  const document = {
    providers: {
      primary: { kind: 'openai-compatible', baseUrl: primary.baseUrl, statusPage: { url: statuspage.summaryUrl, components: ['API'] } },
      fallback: { kind: 'openai-compatible', baseUrl: fallback.baseUrl },
    },
    aliases: { 'default-model': { targets: [{ provider: 'primary', model: 'm1' }, { provider: 'fallback', model: 'm2' }] } },
    policy: { backoffBaseMs: 1, backoffMaxMs: 5 },
  };
  const validated = validateConfig(document);
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  configFile = writeConfig(JSON.stringify(document));
  server = await startLocalServer({
    config: validated.config,
    clock,
    telemetry: fanOutTelemetry(new ConsoleTelemetry({ quiet: true }), emfLineTelemetry((line) => lines.push(line), clock)),
    health: { statusPages: fetchStatusPage },
  });
});
afterAll(async () => {
  await server?.close();
  await Promise.all([primary?.close(), fallback?.close(), statuspage?.close()]);
});

async function traffic(requests: number): Promise<void> {
  for (let i = 0; i < requests; i++) {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.text();
  }
}

describe('alarms replayed over a scripted outage', () => {
  it('L1, then L2, then L3 go to ALARM, and every alarm is back to OK after the recovery', { timeout: 240_000 }, async () => {
    const start = Math.ceil(clock.now() / 60_000) * 60_000 + 60_000;
    for (let minute = 0; minute < 16; minute++) {
      statuspage.states = { API: minute >= 2 && minute < 10 ? 'degraded_performance' : 'operational' };
      mode.primary = minute >= 4 && minute < 10 ? 'down' : 'ok';
      mode.fallback = minute >= 7 && minute < 10 ? 'down' : 'ok';
      for (const second of [5, 35]) {
        clock.advance(start + minute * 60_000 + second * 1000 - clock.now());
        await server.healthCheck();
        await traffic(4);
      }
    }
    const alarms = synthesizedAlarms(configFile);
    const points = datapointsFromEmf(lines.join('\n'));
    changes = replayAlarms(alarms, points, { from: start, until: start + 16 * 60_000 });
    const timeline = renderTimeline(changes, start);

    const firstAlarm = (layer: string) => changes.find((c) => c.to === 'ALARM' && layerOf(c.alarm) === layer);
    const l1 = firstAlarm('L1');
    const l2 = firstAlarm('L2');
    const l3 = firstAlarm('L3');
    expect(l1, timeline).toBeDefined();
    expect(l2, timeline).toBeDefined();
    expect(l3, timeline).toBeDefined();
    expect(l1!.at, timeline).toBeLessThan(l2!.at);
    expect(l2!.at, timeline).toBeLessThan(l3!.at);
    // The status page warned first; then the probes and the failover; then the page.
    expect(l1!.alarm).toBe('Understudy-warn-status-page-primary');
    const alarmed = new Set(changes.filter((c) => c.to === 'ALARM').map((c) => c.alarm));
    for (const name of [
      'Understudy-warn-probe-primary',
      'Understudy-failover-breaker-open-primary-m1',
      'Understudy-failover-served-by-fallback-default-model',
      'Understudy-page-chain-exhausted-default-model',
      'Understudy-page-fallback-failing-default-model',
    ]) {
      expect(alarmed, timeline).toContain(name);
    }
    // Recovery: the last change of every alarm that fired is back to OK, before the script ends.
    for (const name of alarmed) {
      const last = changes.filter((c) => c.alarm === name).at(-1)!;
      expect(last.to, `${name}\n${timeline}`).toBe('OK');
    }
    expect(layerOf(l3!.alarm)).toBe('L3');
  });
});
