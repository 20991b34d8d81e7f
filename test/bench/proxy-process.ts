import { validateConfig } from '../../functions/config/load.ts';
import { startLocalServer } from '../../functions/local/server.ts';
import { ConsoleTelemetry } from '../../functions/adapters/console-telemetry.ts';

/** The proxy under benchmark, in its own process; reports its port and, on request, its CPU time. */
const upstream = process.env.BENCH_UPSTREAM!;
const result = validateConfig({
  providers: {
    bench: { kind: 'openai-compatible', baseUrl: `${upstream}/v1` },
    failing: { kind: 'openai-compatible', baseUrl: `${upstream}/fail/v1` },
  },
  aliases: {
    direct: { targets: [{ provider: 'bench', model: 'bench-model' }] },
    failover: { targets: [{ provider: 'failing', model: 'bench-model' }, { provider: 'bench', model: 'bench-model' }] },
    // Every request also goes to a shadow (the same fake provider): what does the client pay for it?
    shadowed: { targets: [{ provider: 'bench', model: 'bench-model' }], shadow: { target: { provider: 'bench', model: 'shadow-model' }, sampleRate: 1 } },
  },
  // A breaker that never opens: every failover request really pays the 503 first.
  policy: { maxAttempts: 2, breaker: { consecutiveFailures: 1_000_000, minCalls: 1_000_000 } },
});
if (!result.ok) throw new Error(result.errors.join('; '));
const local = await startLocalServer({ config: result.config, telemetry: new ConsoleTelemetry({ quiet: true }), random: () => 1 });
process.send?.({ port: Number(new URL(local.url).port) });
process.on('message', (message: { cpu?: boolean }) => {
  if (message.cpu) process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => process.exit(0));
