import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmfTelemetry } from '../../functions/adapters/emf-telemetry.ts';
import type { RequestRecord } from '../../functions/core/ports.ts';

/** The EMF lines Powertools writes to stdout, parsed. */
function capture(): { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) if (line.includes('"_aws"')) lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  });
  return { lines };
}

afterEach(() => vi.restoreAllMocks());

const failedOver: RequestRecord = {
  requestId: 'r1',
  ingress: 'openai',
  alias: 'default-model',
  stream: true,
  status: 200,
  attempts: [
    { target: 'openai/gpt-4o', provider: 'openai', model: 'gpt-4o', outcome: 'skipped-open', durationMs: 0 },
    { target: 'anthropic/claude', provider: 'anthropic', model: 'claude', outcome: '503', durationMs: 3 },
    { target: 'groq/llama', provider: 'groq', model: 'llama', outcome: '200', durationMs: 9 },
  ],
  servedBy: { provider: 'groq', model: 'llama', primary: false },
  durationMs: 12,
};

describe('EmfTelemetry', () => {
  it('publishes nothing until flush(), then the request, failover path, attempt and breaker metrics', () => {
    const out = capture();
    const telemetry = new EmfTelemetry();
    telemetry.request(failedOver);
    expect(out.lines).toHaveLength(0);
    telemetry.flush();
    const find = (name: string) => out.lines.filter((l) => name in l);
    expect(find('ServedByFallback')[0]).toMatchObject({ Alias: 'default-model', ServedByFallback: 1, Failovers: 1, Requests: 1 });
    expect(find('FailoverPath')[0]).toMatchObject({ Alias: 'default-model', From: 'anthropic/claude', To: 'groq/llama' });
    expect(find('BreakerOpen').map((l) => [l.Target, l.BreakerOpen])).toEqual([
      ['openai/gpt-4o', 1],
      ['anthropic/claude', 0],
      ['groq/llama', 0],
    ]);
    expect(find('AttemptFailures')[0]).toMatchObject({ Target: 'anthropic/claude' });
    expect(find('ErrorsByReason')).toHaveLength(0);
  });

  it('counts the configured position that served, with the alias', () => {
    const out = capture();
    const telemetry = new EmfTelemetry();
    telemetry.request({ ...failedOver, servedBy: { provider: 'groq', model: 'llama', primary: false, position: 3 } });
    telemetry.request({ ...failedOver, status: 503, servedBy: undefined });
    telemetry.flush();
    expect(out.lines.filter((l) => 'ServedByPosition' in l)).toEqual([
      expect.objectContaining({ Alias: 'default-model', Position: '3', ServedByPosition: 1 }),
    ]);
  });

  it('counts errors by reason, a truncated stream included', () => {
    const out = capture();
    const telemetry = new EmfTelemetry();
    telemetry.request({ ...failedOver, status: 503, servedBy: undefined, errorType: 'overloaded', exhausted: true });
    telemetry.request({ ...failedOver, truncated: true });
    telemetry.flush();
    const reasons = out.lines.filter((l) => 'ErrorsByReason' in l).map((l) => l.Reason);
    expect(reasons).toEqual(['overloaded', 'truncated']);
    expect(out.lines.find((l) => 'ChainExhausted' in l && l.ChainExhausted === 1)).toBeDefined();
  });
});
