import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, release, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * A tool, not a test: captures the requests the real Claude Code and Codex CLIs send, once,
 * against a recording fake provider on loopback, and writes them as the fixtures of
 * test/fixtures/clients. `npm test` never runs it.
 *
 *   node test/support/capture-clients.ts --claude <claude binary> --codex <codex binary>
 *
 * Each CLI runs with a throw-away HOME/CODEX_HOME and working directory, its base URL on the
 * recorder, telemetry and updates off, and HTTPS_PROXY/HTTP_PROXY pointing at the recorder too:
 * anything it tries to reach beyond loopback arrives as a proxy request, is refused and listed
 * as `refused` in the fixture (so the capture proves nothing left the machine).
 */

interface Exchange {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  /** What the recorder answered, in one line (the answers are scripted below). */
  answered: string;
}

interface Capture {
  exchanges: Exchange[];
  refused: string[];
}

type Scenario = 'text' | 'tool';

const { values: args } = parseArgs({ options: { claude: { type: 'string' }, codex: { type: 'string' }, out: { type: 'string', default: 'test/fixtures/clients' } } });

/** Header values that identify the caller or carry a secret; their names stay, values go. */
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'cookie', 'proxy-authorization']);
/** Headers that depend on the connection, not on the client. */
const TRANSPORT_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

const sse = (event: string | null, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

// ---- Anthropic Messages answers ------------------------------------------------------------

function anthropicStream(model: string, scenario: Scenario, tool?: { name: string; input: unknown }): string {
  const frames = [
    sse('message_start', {
      type: 'message_start',
      message: { id: 'msg_capture01', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 120, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } },
    }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', { type: 'ping' }),
  ];
  if (scenario === 'tool' && tool) {
    frames.push(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me read it.' } }));
    frames.push(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
    frames.push(sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_capture01', name: tool.name, input: {} } }));
    frames.push(sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: JSON.stringify(tool.input) } }));
    frames.push(sse('content_block_stop', { type: 'content_block_stop', index: 1 }));
    frames.push(sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }));
  } else {
    frames.push(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello from the recorder.' } }));
    frames.push(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
    frames.push(sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 6 } }));
  }
  frames.push(sse('message_stop', { type: 'message_stop' }));
  return frames.join('');
}

function anthropicMessage(model: string): unknown {
  return {
    id: 'msg_capture02',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: 'Hello from the recorder.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 120, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 6 },
  };
}

// ---- OpenAI Responses answers --------------------------------------------------------------

function responsesStream(model: string, scenario: 'text' | { name: string; arguments: string }): string {
  let seq = 0;
  const ev = (type: string, payload: Record<string, unknown>) => sse(type, { type, sequence_number: seq++, ...payload });
  const base = { id: 'resp_capture01', object: 'response', created_at: 1767000000, model, output: [] as unknown[], usage: null as unknown, error: null, incomplete_details: null };
  const frames = [ev('response.created', { response: { ...base, status: 'in_progress' } }), ev('response.in_progress', { response: { ...base, status: 'in_progress' } })];
  let item: Record<string, unknown>;
  if (scenario === 'text') {
    const text = 'Hello from the recorder.';
    const started = { id: 'msg_capture01', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    frames.push(ev('response.output_item.added', { output_index: 0, item: started }));
    frames.push(ev('response.content_part.added', { item_id: 'msg_capture01', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
    frames.push(ev('response.output_text.delta', { item_id: 'msg_capture01', output_index: 0, content_index: 0, delta: text, logprobs: [] }));
    frames.push(ev('response.output_text.done', { item_id: 'msg_capture01', output_index: 0, content_index: 0, text, logprobs: [] }));
    const part = { type: 'output_text', text, annotations: [], logprobs: [] };
    frames.push(ev('response.content_part.done', { item_id: 'msg_capture01', output_index: 0, content_index: 0, part }));
    item = { ...started, status: 'completed', content: [part] };
  } else {
    const started = { id: 'fc_capture01', type: 'function_call', status: 'in_progress', call_id: 'call_capture01', name: scenario.name, arguments: '' };
    frames.push(ev('response.output_item.added', { output_index: 0, item: started }));
    frames.push(ev('response.function_call_arguments.delta', { item_id: 'fc_capture01', output_index: 0, delta: scenario.arguments }));
    frames.push(ev('response.function_call_arguments.done', { item_id: 'fc_capture01', output_index: 0, arguments: scenario.arguments }));
    item = { ...started, status: 'completed', arguments: scenario.arguments };
  }
  frames.push(ev('response.output_item.done', { output_index: 0, item }));
  const usage = { input_tokens: 120, input_tokens_details: { cached_tokens: 0 }, output_tokens: 6, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 126 };
  frames.push(ev('response.completed', { response: { ...base, status: 'completed', output: [item], usage } }));
  return frames.join('');
}

// ---- the recorder --------------------------------------------------------------------------

interface Recorder {
  port: number;
  capture: Capture;
  /** What the next model request answers: text, or a tool call while no tool result came back. */
  scenario: Scenario;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function keptHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (TRANSPORT_HEADERS.has(name) || value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) ? '<redacted>' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Whether the conversation already holds the result of our tool call (then: answer in text). */
function hasToolResult(body: unknown): boolean {
  const text = JSON.stringify(body ?? '');
  return text.includes('"tool_result"') || text.includes('"function_call_output"');
}

async function startRecorder(): Promise<Recorder> {
  const recorder = { capture: { exchanges: [], refused: [] }, scenario: 'text' } as unknown as Recorder;
  const record = (req: IncomingMessage, body: unknown, answered: string) => {
    const url = new URL(req.url ?? '/', 'http://recorder');
    recorder.capture.exchanges.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: keptHeaders(req), body, answered });
  };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    // A proxy request for an absolute URL: something beyond loopback. Refuse and list it.
    if (req.url && /^https?:\/\//.test(req.url)) {
      recorder.capture.refused.push(`${req.method} ${new URL(req.url).host}`);
      res.writeHead(403).end();
      return;
    }
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://recorder').pathname;
    const model = (body as { model?: string } | undefined)?.model ?? 'unknown';
    const wantsTool = recorder.scenario === 'tool' && !hasToolResult(body);
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      record(req, body, '200 {"input_tokens":120}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: 120 }));
    } else if (req.method === 'POST' && path === '/v1/messages') {
      const tools = (body as { tools?: { name: string }[] }).tools ?? [];
      const read = tools.find((t) => t.name === 'Read');
      const tool = wantsTool && read ? { name: 'Read', input: { file_path: join(currentCwd, 'notes.txt') } } : undefined;
      if ((body as { stream?: boolean }).stream) {
        record(req, body, tool ? '200 SSE: text + tool_use Read' : '200 SSE: text');
        res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_capture' }).end(anthropicStream(model, tool ? 'tool' : 'text', tool));
      } else {
        record(req, body, '200 JSON: text');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(anthropicMessage(model)));
      }
    } else if (req.method === 'POST' && path === '/v1/responses') {
      const tools = (body as { tools?: { name?: string; type?: string }[] }).tools ?? [];
      const shell = tools.find((t) => t.name === 'shell' || t.name === 'exec_command' || t.name === 'shell_command');
      const call = wantsTool && shell ? { name: shell.name!, arguments: shellArguments(shell.name!) } : undefined;
      record(req, body, call ? `200 SSE: function_call ${call.name}` : '200 SSE: text');
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_capture' }).end(responsesStream(model, call ?? 'text'));
    } else {
      record(req, body, '404');
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'not_found_error' } }));
    }
  });
  server.on('connect', (req, socket) => {
    recorder.capture.refused.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  recorder.port = (server.address() as AddressInfo).port;
  recorder.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return recorder;
}

/** Codex's shell tools take an argv array (`shell`) or a command line (`exec_command`, `shell_command`). */
function shellArguments(name: string): string {
  return name === 'shell' ? JSON.stringify({ command: ['cat', 'notes.txt'], workdir: currentCwd }) : JSON.stringify({ cmd: 'cat notes.txt', command: 'cat notes.txt', workdir: currentCwd });
}

// ---- running the CLIs ----------------------------------------------------------------------

let currentCwd = '';

function run(command: string, argv: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function sandbox(): { home: string; cwd: string; env: Record<string, string> } {
  const root = mkdtempSync(join(tmpdir(), 'capture-'));
  const home = join(root, 'home');
  const cwd = join(root, 'project');
  mkdirSync(home);
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'notes.txt'), 'The proxy is called Understudy.\n');
  currentCwd = cwd;
  return { home, cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, USER: 'user', LANG: 'C.UTF-8', TERM: 'dumb' } };
}

function proxyEnv(port: number): Record<string, string> {
  const proxy = `http://127.0.0.1:${port}`;
  return { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, https_proxy: proxy, http_proxy: proxy, ALL_PROXY: proxy, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
}

/** `alias-text`: a text turn with the model set to a proxy alias (ANTHROPIC_MODEL), as the README suggests. */
type Variant = Scenario | 'alias-text';

async function captureClaude(binary: string, variant: Variant): Promise<{ capture: Capture; roots: string[]; output: string }> {
  const recorder = await startRecorder();
  const scenario: Scenario = variant === 'tool' ? 'tool' : 'text';
  recorder.scenario = scenario;
  const box = sandbox();
  const prompt = scenario === 'tool' ? 'Read notes.txt and tell me what the proxy is called.' : 'Say hello in five words.';
  const result = await run(
    binary,
    ['-p', prompt, '--output-format', 'json', ...(scenario === 'tool' ? ['--allowedTools', 'Read'] : [])],
    {
      ...box.env,
      ...proxyEnv(recorder.port),
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${recorder.port}`,
      ANTHROPIC_API_KEY: 'sk-ant-capture-not-a-real-key',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_BUG_COMMAND: '1',
      CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
      ...(variant === 'alias-text' ? { ANTHROPIC_MODEL: 'default-model' } : {}),
    },
    box.cwd,
  );
  await recorder.close();
  return { capture: recorder.capture, roots: [box.cwd, box.home], output: `exit ${result.code}\n${result.stdout}\n${result.stderr}` };
}

async function captureCodex(binary: string, scenario: Variant): Promise<{ capture: Capture; roots: string[]; output: string }> {
  const recorder = await startRecorder();
  recorder.scenario = scenario === 'tool' ? 'tool' : 'text';
  const box = sandbox();
  const codexHome = join(box.home, '.codex');
  mkdirSync(codexHome);
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      'model = "gpt-5-codex"',
      'model_provider = "understudy"',
      'approval_policy = "never"',
      'sandbox_mode = "read-only"',
      'check_for_update_on_startup = false',
      '',
      '[model_providers.understudy]',
      'name = "Understudy"',
      `base_url = "http://127.0.0.1:${recorder.port}/v1"`,
      'wire_api = "responses"',
      'env_key = "UNDERSTUDY_API_KEY"',
      '',
      '[analytics]',
      'enabled = false',
      '',
    ].join('\n'),
  );
  const prompt = scenario === 'tool' ? 'Run `cat notes.txt` and tell me what the proxy is called.' : 'Say hello in five words.';
  const result = await run(binary, ['exec', '--skip-git-repo-check', prompt], { ...box.env, ...proxyEnv(recorder.port), CODEX_HOME: codexHome, UNDERSTUDY_API_KEY: 'us-capture-not-a-real-key' }, box.cwd);
  await recorder.close();
  return { capture: recorder.capture, roots: [box.cwd, codexHome, box.home], output: `exit ${result.code}\n${result.stdout}\n${result.stderr}` };
}

// ---- scrubbing -----------------------------------------------------------------------------

/** Strings longer than this (system prompts, tool descriptions) keep their head only. */
const LONG_STRING = 600;

function scrubber(roots: string[], port: number): (value: unknown) => unknown {
  const replacements: [string, string][] = [
    [roots[0]!, '<CWD>'],
    ...roots.slice(1).map((root, i): [string, string] => [root, i === roots.length - 2 ? '<HOME>' : '<CODEX_HOME>']),
    [`127.0.0.1:${port}`, '127.0.0.1:<PORT>'],
    [hostname(), '<HOSTNAME>'],
    [release(), '<OS_RELEASE>'],
  ];
  const user = userInfo().username;
  // The throw-away HOME hides the user's home; a name that is also a common word ("root") stays.
  if (user !== 'root') replacements.push([`/home/${user}`, '/home/<USER>']);
  const scrubText = (text: string) => {
    let out = text;
    for (const [from, to] of replacements) out = out.split(from).join(to);
    // Claude Code's device id may derive from the machine: keep its shape, not its value.
    return out.replace(/("?device_id\\?"?\s*:\s*\\?")([0-9a-f]{16,})/g, (_, head: string, id: string) => head + '0'.repeat(id.length));
  };
  const walk = (value: unknown, inHeaders = false): unknown => {
    if (typeof value === 'string') {
      const text = scrubText(value);
      // A long text keeps its head; its shape (a string) is what the fixtures are for.
      if (text.length > LONG_STRING && !inHeaders) return `${text.slice(0, LONG_STRING / 2)}…[${text.length - LONG_STRING / 2} more characters trimmed]`;
      return text;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, inHeaders));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrubText(k), walk(v, inHeaders || k === 'headers')]));
    return value;
  };
  return walk;
}

async function main(): Promise<void> {
  const out = args.out!;
  mkdirSync(out, { recursive: true });
  const jobs: [string, string | undefined, typeof captureClaude, Variant[]][] = [
    ['claude-code', args.claude, captureClaude, ['text', 'tool', 'alias-text']],
    ['codex', args.codex, captureCodex, ['text', 'tool']],
  ];
  for (const [name, binary, capture, variants] of jobs) {
    if (!binary) continue;
    for (const scenario of variants) {
      const { capture: captured, roots, output } = await capture(binary, scenario);
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(JSON.stringify(captured))?.[1] ?? 0);
      const scrub = scrubber(roots, port);
      const file = join(out, `${name}-${scenario}.json`);
      writeFileSync(file, `${JSON.stringify(scrub({ client: name, scenario, ...captured }), null, 2)}\n`);
      console.log(`${file}: ${captured.exchanges.length} exchanges, refused ${captured.refused.length}`);
      console.log(String(scrub(output.slice(0, 2_000))));
      rmSync(dirname(roots[0]!), { recursive: true, force: true });
    }
  }
}

await main();
