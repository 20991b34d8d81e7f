import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A simulated provider on loopback for `npm run demo`: OpenAI-style (`/v1/chat/completions`) or
 * Anthropic-style (`/v1/messages`), streaming or not, with tool calls, plus a Statuspage summary
 * (`/api/v2/summary.json`) for the health checker. No key is checked, nothing leaves the machine,
 * and the answers are canned: a prompt is never echoed.
 */
export type SimulatedStyle = 'openai' | 'anthropic';

export interface SimulatedProvider {
  style: SimulatedStyle;
  url: string;
  /** Base URL in the proxy's convention for the style (OpenAI: `/v1`, Anthropic: the root). */
  baseUrl: string;
  statusUrl: string;
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  tools?: { function?: { name?: string }; name?: string }[];
  messages?: { role?: string; content?: unknown }[];
}

const WORDS = ['Hello', ' from', ' a', ' simulated', ' provider.', ' Nothing', ' left', ' this', ' machine.'];
const MAX_BODY = 1024 * 1024;

export async function startSimulatedProvider(style: SimulatedStyle, options: { delayMs?: number } = {}): Promise<SimulatedProvider> {
  const delay = options.delayMs ?? 20;
  const server: Server = createServer((req, res) => void answer(req, res).catch(() => res.destroy()));
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/api/v2/summary.json') return json(res, 200, { page: { name: `simulated ${style}` }, components: [{ id: 'api', name: 'API', status: 'operational' }] });
    if (req.method === 'GET' && req.url?.startsWith('/v1/models')) return json(res, 200, { object: 'list', data: [{ id: `${style}-sim`, object: 'model' }] });
    const path = style === 'openai' ? '/v1/chat/completions' : '/v1/messages';
    if (req.method !== 'POST' || req.url !== path) return json(res, 404, { error: { message: 'not found', type: 'not_found_error' } });
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return json(res, 413, { error: { message: 'too large', type: 'invalid_request_error' } });
      chunks.push(chunk as Buffer);
    }
    let body: ChatBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
    } catch {
      return json(res, 400, { error: { message: 'invalid JSON', type: 'invalid_request_error' } });
    }
    const model = body.model ?? `${style}-sim`;
    // A tool is called once; after its result comes back, a text answer.
    const last = body.messages?.at(-1);
    const toolResultGiven = last?.role === 'tool' || (Array.isArray(last?.content) && last.content.some((b: { type?: string }) => b?.type === 'tool_result'));
    const tool = !toolResultGiven ? (body.tools?.[0]?.function?.name ?? body.tools?.[0]?.name) : undefined;
    if (style === 'openai') return openai(res, model, body.stream === true, tool);
    return anthropic(res, model, body.stream === true, tool);
  }

  async function openai(res: ServerResponse, model: string, stream: boolean, tool?: string) {
    const base = { id: 'chatcmpl-sim', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
    const usage = { prompt_tokens: 12, completion_tokens: WORDS.length, total_tokens: 12 + WORDS.length };
    const call = tool ? { id: 'call_sim_1', type: 'function', function: { name: tool, arguments: '{"city":"Paris"}' } } : undefined;
    if (!stream) {
      const message = call ? { role: 'assistant', content: null, tool_calls: [call] } : { role: 'assistant', content: WORDS.join('') };
      return json(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: call ? 'tool_calls' : 'stop' }], usage });
    }
    sse(res);
    const frame = (payload: object) => res.write(`data: ${JSON.stringify({ ...base, ...payload })}\n\n`);
    frame({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    if (call) {
      frame({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...call, function: { name: tool, arguments: '' } }] }, finish_reason: null }] });
      frame({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: call.function.arguments } }] }, finish_reason: null }] });
    } else {
      for (const word of WORDS) {
        await pause(delay);
        frame({ choices: [{ index: 0, delta: { content: word }, finish_reason: null }] });
      }
    }
    frame({ choices: [{ index: 0, delta: {}, finish_reason: call ? 'tool_calls' : 'stop' }] });
    frame({ choices: [], usage });
    res.end('data: [DONE]\n\n');
  }

  async function anthropic(res: ServerResponse, model: string, stream: boolean, tool?: string) {
    const usage = { input_tokens: 12, output_tokens: WORDS.length };
    const block = tool ? { type: 'tool_use', id: 'toolu_sim_1', name: tool, input: { city: 'Paris' } } : { type: 'text', text: WORDS.join('') };
    const stop = tool ? 'tool_use' : 'end_turn';
    if (!stream) return json(res, 200, { id: 'msg_sim', type: 'message', role: 'assistant', model, content: [block], stop_reason: stop, stop_sequence: null, usage });
    sse(res);
    const event = (type: string, payload: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
    event('message_start', { message: { id: 'msg_sim', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 0 } } });
    if (tool) {
      event('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_sim_1', name: tool, input: {} } });
      event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris"}' } });
    } else {
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      for (const word of WORDS) {
        await pause(delay);
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } });
      }
    }
    event('content_block_stop', { index: 0 });
    event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: WORDS.length } });
    event('message_stop', {});
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    style,
    url,
    baseUrl: style === 'openai' ? `${url}/v1` : url,
    statusUrl: `${url}/api/v2/summary.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
