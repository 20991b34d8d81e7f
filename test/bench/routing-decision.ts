import { performance } from 'node:perf_hooks';
import { envSecrets } from '../../functions/adapters/env-secrets.ts';
import { validateConfig } from '../../functions/config/load.ts';
import { Budgets } from '../../functions/core/budgets/budgets.ts';
import { MemorySpendStore } from '../../functions/core/budgets/memory-spend-store.ts';
import { SpendLedger } from '../../functions/core/budgets/spend-ledger.ts';
import { compileConfig } from '../../functions/core/compiled-config.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { complexityScore } from '../../functions/core/routing/complexity.ts';
import { planRequest } from '../../functions/core/routing/plan-request.ts';
import { requestFeatures } from '../../functions/core/routing/request-features.ts';
import { providerDialects } from '../../functions/dialects/registry.ts';
import type { ChatRequest } from '../../functions/ir/request.ts';
import type { Reading } from './probes.ts';

/**
 * The routing decision in process (core/routing/): no I/O, so it is timed directly, as the median
 * of batches. A typical chat request through an alias with four routes (tokens, tools, pattern,
 * complexity), an affinity group and two budgets; and the score alone on a 10k-token prompt.
 */
const document = {
  providers: { a: { kind: 'openai', apiKey: 'env:K' }, b: { kind: 'anthropic', apiKey: 'env:K' }, c: { kind: 'groq', apiKey: 'env:K' } },
  aliases: {
    assistant: {
      targets: [
        { provider: 'a', model: 'gpt-4o', group: 'big', weight: 2 },
        { provider: 'b', model: 'claude-sonnet-4-5', group: 'big' },
      ],
      routes: [
        { name: 'vision', when: { images: true }, targets: [{ provider: 'a', model: 'gpt-4o' }] },
        { name: 'sql', when: { pattern: '\\bselect\\b.*\\bfrom\\b', maxInputTokens: 4_000 }, targets: [{ provider: 'a', model: 'gpt-4o-mini' }] },
        { name: 'long', when: { minInputTokens: 100_000 }, targets: [{ provider: 'b', model: 'claude-sonnet-4-5' }] },
        { name: 'cheap', when: { maxComplexity: 0.35, tools: false }, targets: [{ provider: 'c', model: 'llama-3.1-8b-instant' }] },
      ],
    },
  },
  budgets: [
    { alias: 'assistant', perDay: 100 },
    { clientKey: 'team-a', perMonth: 1_000, onExceeded: { route: 'cheap' } },
  ],
};

const prompt = (chars: number) => {
  const sentence = 'Please review the following service design and explain the trade-offs, then list the risks. ';
  return sentence.repeat(Math.ceil(chars / sentence.length)).slice(0, chars);
};

const request = (text: string): ChatRequest => ({
  model: 'assistant',
  system: [{ type: 'text', text: 'You are a careful senior engineer. Answer briefly.' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'We run a payment service on Lambda.' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Understood. What would you like to know?' }] },
    { role: 'user', content: [{ type: 'text', text }] },
  ],
  stream: true,
});

/** Median µs per call over batches of `n` calls. */
function timeMicros(fn: () => unknown, n: number, batches = 15): number {
  // Warm-up long enough for the JIT to settle (the first thousands of calls run unoptimised).
  for (let i = 0; i < 5 * n; i++) fn();
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const started = performance.now();
    for (let i = 0; i < n; i++) fn();
    samples.push(((performance.now() - started) * 1000) / n);
  }
  samples.sort((x, y) => x - y);
  return samples[Math.floor(samples.length / 2)]!;
}

export async function routingDecision(): Promise<Reading[]> {
  const validated = validateConfig(document);
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  const compiled = await compileConfig(validated.config, envSecrets({ K: 'sk-bench' }), providerDialects);
  const alias = compiled.aliases.get('assistant')!;
  const budgets = new Budgets(validated.config.budgets!, new SpendLedger({ store: new MemorySpendStore(), clock: systemClock, refreshMs: 3_600_000 }));
  const headers = new Headers({ 'x-understudy-session': 'bench-session' });
  const typical = request('How should we size the connection pool for 200 concurrent requests to Postgres?');
  const large = request(prompt(40_000));
  const plan = (chat: ChatRequest) => planRequest({ alias, request: chat, headers, clientKey: 'team-a', budgets, now: Date.now() });
  return [
    { label: 'routing decision per request (4 routes, affinity, 2 budgets), typical chat', value: timeMicros(() => plan(typical), 20_000), unit: 'µs', target: { max: 5 } },
    { label: 'routing decision per request, 10k-token prompt', value: timeMicros(() => plan(large), 2_000), unit: 'µs' },
    { label: 'complexity score, 10k-token prompt (features + score)', value: timeMicros(() => complexityScore(requestFeatures(large)), 2_000), unit: 'µs', target: { max: 50 } },
  ];
}
