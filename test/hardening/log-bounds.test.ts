import { describe, expect, it, vi } from 'vitest';
import { EmfTelemetry } from '../../functions/adapters/emf-telemetry.ts';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';
import { MAX_LOGGED_CHARS } from '../../functions/core/log-bounds.ts';
import type { RequestRecord } from '../../functions/core/ports.ts';
import { openaiTextFrames } from '../support/fake-provider.ts';
import { recordOf } from '../support/proxy-harness.ts';
import { fakeHttp, proxyFor, useCleanups } from '../translation/upstreams.ts';

/** Issue 13 §10: caller-supplied values reach log lines and metric dimensions only cut short. */

useCleanups();

const HUGE = 'm'.repeat(1024 * 1024);

describe('log lines bound caller input', () => {
  it('an unknown 1 MB model name makes a short log line (console adapter)', async () => {
    const upstream = await fakeHttp(() => ({ kind: 'sse', frames: openaiTextFrames(['ok']) }));
    const h = await proxyFor([{ kind: 'openai-compatible', url: `${upstream.url}/v1`, model: 'm' }]);
    const lines: string[] = [];
    const telemetry = new ConsoleTelemetry({ out: (l) => lines.push(l), err: (l) => lines.push(l) });
    const response = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: HUGE, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(404);
    const record = await recordOf(h, 0);
    // One metric dimension value for every invented model name; what was asked stays in the log line.
    expect(record.alias).toBe('(unknown)');
    expect(record.requestedModel).toBe(HUGE);
    telemetry.request(record);
    telemetry.log('warn', HUGE, { alias: HUGE, nested: { path: HUGE } });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.length).toBeLessThan(3 * 1024);
    expect(lines[0]).toContain('m'.repeat(MAX_LOGGED_CHARS));
    expect(lines[0]).toContain('more)');
  });

  it('the EMF adapter bounds the request log line and the Alias dimension', () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const telemetry = new EmfTelemetry();
      const record: RequestRecord = { requestId: 'r1', ingress: 'openai', alias: HUGE, stream: false, status: 404, attempts: [], errorType: 'not_found', durationMs: 1 };
      telemetry.request(record);
      telemetry.log('warn', HUGE, { model: HUGE });
      telemetry.flush();
    } finally {
      spy.mockRestore();
    }
    const text = written.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(4 * 1024);
  });
});
