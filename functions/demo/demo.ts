import { ConsoleTelemetry } from '../adapters/console-telemetry.ts';
import { fetchStatusPage } from '../adapters/fetch-status-page.ts';
import { validateConfig } from '../config/load.ts';
import type { Telemetry } from '../core/ports.ts';
import { startLocalServer, type LocalServer } from '../local/server.ts';
import { startSimulatedProvider, type SimulatedProvider } from './simulated-provider.ts';

export interface Demo {
  server: LocalServer;
  providers: SimulatedProvider[];
  /** What to try, for the terminal. */
  instructions: string;
  close(): Promise<void>;
}

/** A key the simulated providers accept and ignore: no real key is ever needed or read. */
const DEMO_KEY = 'demo-not-a-key';

/**
 * `npm run demo`: the proxy with two simulated providers on loopback (one OpenAI-style, one
 * Anthropic-style), the health checker every 10 s reading their status pages, and fault injection
 * ready through /admin/config. Nothing needs a key and nothing leaves the machine.
 */
export async function startDemo(options: { port?: number; telemetry?: Telemetry; healthIntervalMs?: number } = {}): Promise<Demo> {
  const openai = await startSimulatedProvider('openai');
  const anthropic = await startSimulatedProvider('anthropic');
  const validated = validateConfig({
    providers: {
      'sim-openai': { kind: 'openai-compatible', baseUrl: openai.baseUrl, statusPage: { url: openai.statusUrl, components: ['API'] } },
      'sim-anthropic': { kind: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: 'env:UNDERSTUDY_DEMO_KEY', statusPage: { url: anthropic.statusUrl, components: ['API'] } },
    },
    aliases: {
      'default-model': { targets: [{ provider: 'sim-openai', model: 'gpt-sim' }, { provider: 'sim-anthropic', model: 'claude-sim' }] },
      'claude-model': { targets: [{ provider: 'sim-anthropic', model: 'claude-sim' }] },
    },
    policy: { breaker: { openMs: 5_000, maxOpenMs: 10_000 } },
  });
  if (!validated.ok) throw new Error(`demo configuration: ${validated.errors.join('; ')}`);
  const server = await startLocalServer({
    config: validated.config,
    port: options.port ?? 8787,
    telemetry: options.telemetry ?? new ConsoleTelemetry(),
    secrets: { resolve: async (reference) => (reference === 'env:UNDERSTUDY_DEMO_KEY' ? DEMO_KEY : undefined) },
    health: { intervalMs: options.healthIntervalMs ?? 10_000, statusPages: fetchStatusPage },
  });
  void server.healthCheck().catch(() => {});
  const url = server.url;
  const instructions = [
    `understudy demo on ${url}: alias default-model = sim-openai/gpt-sim, then sim-anthropic/claude-sim (both simulated on loopback; no keys, no network)`,
    '',
    '1. A request (any OpenAI or Anthropic SDK works too; add "tools" to see a tool call):',
    `   curl -N ${url}/v1/chat/completions -H 'content-type: application/json' \\`,
    `     -d '{"model":"default-model","stream":true,"messages":[{"role":"user","content":"hello"}]}'`,
    '',
    '2. A drill: the primary fails (fault injection), the fallback serves, the primary comes back:',
    `   npm run drill -- --url ${url} --alias default-model          # or --fault breaker`,
    '',
    '3. The live status page (breakers, traffic share, attempts, faults, status pages):',
    `   open ${url}/status`,
  ].join('\n');
  return {
    server,
    providers: [openai, anthropic],
    instructions,
    async close() {
      await server.close();
      await Promise.all([openai.close(), anthropic.close()]);
    },
  };
}
