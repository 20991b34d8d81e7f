/**
 * What `npm run bench` measures. To add a load scenario, append to SCENARIOS: name the contenders
 * (processes of PROCESSES in run.ts) and what each receives; every run of every scenario is measured
 * in every round, in rotating order, so that slow drift of a shared machine hits all of them alike.
 * To add a figure (a ratio or a difference within one round), append to FIGURES: it is computed per
 * round and reported as the median over rounds, against its target when it has one.
 */

/** The bench's processes: the fake provider, the floor proxy, and Understudy with each breaker store. */
export type ProcessName = 'direct' | 'floor' | 'understudy' | 'understudy-dynamo+0' | 'understudy-dynamo+20';

export interface Run {
  via: ProcessName;
  path: string;
  body: string;
}

export interface Scenario {
  name: string;
  /** Streamed answers report time to first token; whole answers their total time. */
  stream: boolean;
  concurrency: number;
  /** Requests per run and round (after a short warm-up). */
  requests: number;
  runs: Record<string, Run>;
}

/** One run in one round. CPU is the serving process's, per request; absent for the fake provider. */
export interface Measure {
  ttft: number;
  total: number;
  rps: number;
  cpuMs?: number;
}

export type Round = Record<string, Record<string, Measure>>;

export interface Figure {
  label: string;
  unit: 'ms' | '×';
  value: (round: Round) => number;
  /** The target, where there is one. */
  target?: { max?: number; min?: number };
}

const messages = [{ role: 'user', content: 'benchmark prompt' }];
const openai = (model: string, stream: boolean) => JSON.stringify({ model, messages, stream });
const responses = (model: string) => JSON.stringify({ model, input: 'benchmark prompt', stream: true, store: false });
const anthropic = (model: string, stream: boolean) => JSON.stringify({ model, messages, stream, max_tokens: 64 });
const N1 = Number(process.env.BENCH_N1 ?? 300);
const N16 = Number(process.env.BENCH_N16 ?? 1500);
const NFAILOVER = Number(process.env.BENCH_NFAILOVER ?? 100);

/** The same request through the fake provider itself, the floor, and Understudy's alias `direct`. */
function sideBySide(name: string, stream: boolean, concurrency: number): Scenario {
  const path = '/v1/chat/completions';
  return {
    name,
    stream,
    concurrency,
    requests: concurrency === 1 ? N1 : N16,
    runs: {
      direct: { via: 'direct', path, body: openai('bench-model', stream) },
      floor: { via: 'floor', path, body: openai('bench-model', stream) },
      understudy: { via: 'understudy', path, body: openai('direct', stream) },
      // A streamed answer passes through (same API); the translation lane's counterpart beside it.
      ...(stream ? { 'understudy translated': { via: 'understudy', path, body: openai('translated', stream) } } : {}),
    },
  };
}

/** A failover on an immediate 503 against a plain request, on the same Understudy process. */
function failover(via: ProcessName): Record<string, Run> {
  const path = '/v1/chat/completions';
  return { [`${via} plain`]: { via, path, body: openai('direct', true) }, [`${via} failover`]: { via, path, body: openai('failover', true) } };
}

export const SCENARIOS: Scenario[] = [
  sideBySide('json c=1', false, 1),
  sideBySide('json c=16', false, 16),
  sideBySide('stream c=1', true, 1),
  sideBySide('stream c=16', true, 16),
  {
    // An Anthropic client served by an OpenAI provider: both directions translated, streamed.
    name: 'translation c=1',
    stream: true,
    concurrency: 1,
    requests: N1,
    runs: {
      floor: { via: 'floor', path: '/v1/chat/completions', body: openai('bench-model', true) },
      understudy: { via: 'understudy', path: '/v1/messages', body: anthropic('direct', true) },
    },
  },
  {
    // A Responses API client (Codex, the AI SDK's openai()): the floor forwards it to the fake's
    // Responses API; Understudy serves it from a Responses target (same API: the pass-through lane's
    // case) and from a Chat-Completions-only one (Responses → IR → Chat → IR → Responses events).
    name: 'responses c=1',
    stream: true,
    concurrency: 1,
    requests: N1,
    runs: {
      floor: { via: 'floor', path: '/v1/responses', body: responses('bench-model') },
      'understudy same API': { via: 'understudy', path: '/v1/responses', body: responses('responses-direct') },
      'understudy same API translated': { via: 'understudy', path: '/v1/responses', body: responses('responses-translated') },
      'understudy via chat': { via: 'understudy', path: '/v1/responses', body: responses('direct') },
    },
  },
  {
    // A Messages client (Claude Code, the Anthropic SDK) and an Anthropic target: passed through,
    // and the same with the pass-through lane off.
    name: 'messages c=1',
    stream: true,
    concurrency: 1,
    requests: N1,
    runs: {
      floor: { via: 'floor', path: '/v1/messages', body: anthropic('bench-model', true) },
      'understudy same API': { via: 'understudy', path: '/v1/messages', body: anthropic('messages-direct', true) },
      'understudy same API translated': { via: 'understudy', path: '/v1/messages', body: anthropic('messages-translated', true) },
    },
  },
  {
    // Issue 17: a stream cut halfway and continued, beside the same answer served whole.
    name: 'continuation c=1',
    stream: true,
    concurrency: 1,
    requests: NFAILOVER,
    runs: {
      plain: { via: 'understudy', path: '/v1/chat/completions', body: openai('direct', true) },
      continued: { via: 'understudy', path: '/v1/chat/completions', body: openai('continued', true) },
    },
  },
  {
    // Issue 17: a primary whose first token comes late (BENCH_LATE_MS), alone and hedged after 5 ms.
    name: 'hedging c=1',
    stream: true,
    concurrency: 1,
    requests: NFAILOVER,
    runs: {
      plain: { via: 'understudy', path: '/v1/chat/completions', body: openai('direct', true) },
      late: { via: 'understudy', path: '/v1/chat/completions', body: openai('late', true) },
      hedged: { via: 'understudy', path: '/v1/chat/completions', body: openai('hedged', true) },
    },
  },
  {
    name: 'failover c=1',
    stream: true,
    concurrency: 1,
    requests: NFAILOVER,
    runs: { ...failover('understudy'), ...failover('understudy-dynamo+0'), ...failover('understudy-dynamo+20') },
  },
];

const m = (round: Round, scenario: string, run: string): Measure => {
  const found = round[scenario]?.[run];
  if (!found) throw new Error(`no measure for ${scenario} / ${run}`);
  return found;
};
const added = (store: ProcessName) => (r: Round) => m(r, 'failover c=1', `${store} failover`).ttft - m(r, 'failover c=1', `${store} plain`).ttft;

export const FIGURES: Figure[] = [
  { label: 'CPU per request vs floor, json c=1', unit: '×', value: (r) => m(r, 'json c=1', 'understudy').cpuMs! / m(r, 'json c=1', 'floor').cpuMs!, target: { max: 1.5 } },
  { label: 'CPU per request vs floor, json c=16', unit: '×', value: (r) => m(r, 'json c=16', 'understudy').cpuMs! / m(r, 'json c=16', 'floor').cpuMs!, target: { max: 1.5 } },
  { label: 'CPU per request vs floor, stream c=16', unit: '×', value: (r) => m(r, 'stream c=16', 'understudy').cpuMs! / m(r, 'stream c=16', 'floor').cpuMs!, target: { max: 1.5 } },
  { label: 'throughput vs floor, json c=16', unit: '×', value: (r) => m(r, 'json c=16', 'understudy').rps / m(r, 'json c=16', 'floor').rps, target: { min: 0.8 } },
  { label: 'throughput vs floor, stream c=16', unit: '×', value: (r) => m(r, 'stream c=16', 'understudy').rps / m(r, 'stream c=16', 'floor').rps, target: { min: 0.8 } },
  { label: 'floor: added TTFT over direct, stream c=1', unit: 'ms', value: (r) => m(r, 'stream c=1', 'floor').ttft - m(r, 'stream c=1', 'direct').ttft },
  { label: 'added TTFT over floor, stream c=1', unit: 'ms', value: (r) => m(r, 'stream c=1', 'understudy').ttft - m(r, 'stream c=1', 'floor').ttft, target: { max: 0.3 } },
  { label: 'floor: added TTFT over direct, stream c=16', unit: 'ms', value: (r) => m(r, 'stream c=16', 'floor').ttft - m(r, 'stream c=16', 'direct').ttft },
  { label: 'added TTFT over floor, stream c=16', unit: 'ms', value: (r) => m(r, 'stream c=16', 'understudy').ttft - m(r, 'stream c=16', 'floor').ttft, target: { max: 1 } },
  { label: 'translation lane (chat, same API): CPU per request vs floor, stream c=16', unit: '×', value: (r) => m(r, 'stream c=16', 'understudy translated').cpuMs! / m(r, 'stream c=16', 'floor').cpuMs! },
  { label: 'translation lane (chat, same API): added TTFT over floor, stream c=1', unit: 'ms', value: (r) => m(r, 'stream c=1', 'understudy translated').ttft - m(r, 'stream c=1', 'floor').ttft },
  { label: 'messages, pass-through lane: CPU per request vs floor', unit: '×', value: (r) => m(r, 'messages c=1', 'understudy same API').cpuMs! / m(r, 'messages c=1', 'floor').cpuMs! },
  { label: 'messages, translation lane: CPU per request vs floor', unit: '×', value: (r) => m(r, 'messages c=1', 'understudy same API translated').cpuMs! / m(r, 'messages c=1', 'floor').cpuMs! },
  { label: 'messages, pass-through lane: added TTFT over floor', unit: 'ms', value: (r) => m(r, 'messages c=1', 'understudy same API').ttft - m(r, 'messages c=1', 'floor').ttft },
  { label: 'messages, translation lane: added TTFT over floor', unit: 'ms', value: (r) => m(r, 'messages c=1', 'understudy same API translated').ttft - m(r, 'messages c=1', 'floor').ttft },
  { label: 'translation: added TTFT over floor, c=1', unit: 'ms', value: (r) => m(r, 'translation c=1', 'understudy').ttft - m(r, 'translation c=1', 'floor').ttft },
  { label: 'translation: CPU per request vs floor', unit: '×', value: (r) => m(r, 'translation c=1', 'understudy').cpuMs! / m(r, 'translation c=1', 'floor').cpuMs! },
  { label: 'responses, same API: added TTFT over floor, c=1', unit: 'ms', value: (r) => m(r, 'responses c=1', 'understudy same API').ttft - m(r, 'responses c=1', 'floor').ttft },
  { label: 'responses, same API, translation lane: added TTFT over floor, c=1', unit: 'ms', value: (r) => m(r, 'responses c=1', 'understudy same API translated').ttft - m(r, 'responses c=1', 'floor').ttft },
  { label: 'responses, same API: CPU per request vs floor, pass-through lane', unit: '×', value: (r) => m(r, 'responses c=1', 'understudy same API').cpuMs! / m(r, 'responses c=1', 'floor').cpuMs! },
  { label: 'responses, same API: CPU per request vs floor, translation lane', unit: '×', value: (r) => m(r, 'responses c=1', 'understudy same API translated').cpuMs! / m(r, 'responses c=1', 'floor').cpuMs! },
  { label: 'responses via chat translation: added TTFT over floor, c=1', unit: 'ms', value: (r) => m(r, 'responses c=1', 'understudy via chat').ttft - m(r, 'responses c=1', 'floor').ttft },
  { label: 'continuation: extra time to finish a cut stream', unit: 'ms', value: (r) => m(r, 'continuation c=1', 'continued').total - m(r, 'continuation c=1', 'plain').total },
  { label: 'continuation: CPU per request vs an uncut stream', unit: '×', value: (r) => m(r, 'continuation c=1', 'continued').cpuMs! / m(r, 'continuation c=1', 'plain').cpuMs! },
  { label: 'hedging: first token, late primary minus hedged', unit: 'ms', value: (r) => m(r, 'hedging c=1', 'late').ttft - m(r, 'hedging c=1', 'hedged').ttft },
  { label: 'hedging: CPU per request vs unhedged', unit: '×', value: (r) => m(r, 'hedging c=1', 'hedged').cpuMs! / m(r, 'hedging c=1', 'plain').cpuMs! },
  { label: 'failover adds, in-memory store', unit: 'ms', value: added('understudy') },
  { label: 'failover adds, DynamoDB store +0 ms', unit: 'ms', value: added('understudy-dynamo+0') },
  { label: 'failover adds, DynamoDB store +20 ms', unit: 'ms', value: added('understudy-dynamo+20') },
  { label: 'failover, DynamoDB +20 ms minus in-memory', unit: 'ms', value: (r) => added('understudy-dynamo+20')(r) - added('understudy')(r), target: { max: 1 } },
];
