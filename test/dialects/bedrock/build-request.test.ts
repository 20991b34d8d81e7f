import { describe, expect, it } from 'vitest';
import { buildConverseRequest } from '../../../functions/dialects/bedrock/build-request.ts';
import type { ChatRequest, Message } from '../../../functions/ir/request.ts';

const CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';

function chat(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: true, ...overrides };
}

function build(request: ChatRequest, model = CLAUDE) {
  const result = buildConverseRequest(request, model);
  if (!result.ok) throw new Error(`unexpected failure: ${result.failure.message}`);
  return result.request;
}

const toolHistory: Message[] = [
  { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and Bergen?' }] },
  {
    role: 'assistant',
    content: [
      { type: 'tool-call', id: 'c1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'text', text: 'Let me check.' },
      { type: 'tool-call', id: 'c2', name: 'get_weather', arguments: '{"city":' },
    ],
  },
  { role: 'tool', toolCallId: 'c1', toolName: 'get_weather', content: [{ type: 'text', text: '-3C' }] },
  { role: 'tool', toolCallId: 'c2', content: [{ type: 'text', text: 'city missing' }], isError: true },
  { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
];

describe('buildConverseRequest: messages', () => {
  it('maps system, merges tool results into one user turn with the results first, and puts text before toolUse', () => {
    const { input } = build(chat({ system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: '  ' }], messages: toolHistory, tools: [{ name: 'get_weather', parameters: { type: 'object' } }] }));
    expect(input.system).toEqual([{ text: 'Be brief.' }]);
    expect(input.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Oslo and Bergen?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Let me check.' },
          { toolUse: { toolUseId: 'c1', name: 'get_weather', input: { city: 'Oslo' } } },
          // Invalid JSON arguments are sent as {}.
          { toolUse: { toolUseId: 'c2', name: 'get_weather', input: {} } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'c1', content: [{ text: '-3C' }] } },
          { toolResult: { toolUseId: 'c2', content: [{ text: 'city missing' }], status: 'error' } },
          { text: 'And tomorrow?' },
        ],
      },
    ]);
  });

  it('puts tool results first even when user text came before them', () => {
    const { input } = build(
      chat({
        messages: [
          { role: 'assistant', content: [{ type: 'tool-call', id: 'c1', name: 'f', arguments: '' }] },
          { role: 'user', content: [{ type: 'text', text: 'note' }] },
          { role: 'tool', toolCallId: 'c1', content: [] },
        ],
      }),
    );
    expect(input.messages?.[2]).toEqual({ role: 'user', content: [{ toolResult: { toolUseId: 'c1', content: [{ text: '' }] } }, { text: 'note' }] });
  });

  it('starts with a minimal user turn when the history starts with the assistant, and trims a final prefill', () => {
    const { input } = build(
      chat({
        messages: [
          { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
          { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: '' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'The answer is ' }] },
        ],
      }),
    );
    expect(input.messages).toEqual([
      { role: 'user', content: [{ text: '.' }] },
      { role: 'assistant', content: [{ text: 'Hello.' }] },
      { role: 'user', content: [{ text: 'Hi' }] },
      { role: 'assistant', content: [{ text: 'The answer is' }] },
    ]);
  });

  it('maps base64 images to bytes and refuses URLs and unknown image types', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64');
    const { input } = build(chat({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', mediaType: 'image/png', data: png } }] }] }));
    const block = input.messages?.[0]?.content?.[0];
    expect(block).toEqual({ image: { format: 'png', source: { bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) } } });

    const url = buildConverseRequest(chat({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } }] }] }), CLAUDE);
    expect(url).toEqual({ ok: false, failure: { kind: 'unsupported', message: 'Bedrock accepts images only as bytes, not as URLs' } });
    const bmp = buildConverseRequest(chat({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', mediaType: 'image/bmp', data: png } }] }] }), CLAUDE);
    expect(bmp).toMatchObject({ ok: false, failure: { kind: 'unsupported' } });
  });

  it('replays signed reasoning first and drops unsigned reasoning', () => {
    const { input } = build(
      chat({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Q' }] },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'A' },
              { type: 'reasoning', text: 'signed thought', signature: 'sig' },
              { type: 'reasoning', text: 'unsigned thought' },
            ],
          },
          { role: 'user', content: [{ type: 'text', text: 'Q2' }] },
        ],
      }),
    );
    expect(input.messages?.[1]).toEqual({ role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'signed thought', signature: 'sig' } } }, { text: 'A' }] });
  });
});

describe('buildConverseRequest: inference and model fields', () => {
  it('maps maxTokens, clamps temperature to 0..1, passes topP and stop sequences', () => {
    const { input } = build(chat({ maxTokens: 100, temperature: 1.7, topP: 0.9, stop: ['END'] }), LLAMA);
    expect(input.inferenceConfig).toEqual({ maxTokens: 100, temperature: 1, topP: 0.9, stopSequences: ['END'] });
    expect(build(chat({ temperature: -1 }), LLAMA).input.inferenceConfig).toEqual({ temperature: 0 });
    expect(build(chat(), LLAMA).input.inferenceConfig).toBeUndefined();
  });

  it('sends top_k to Claude and Nova in their own shapes, and drops it elsewhere', () => {
    expect(build(chat({ topK: 40 }), CLAUDE).input.additionalModelRequestFields).toEqual({ top_k: 40 });
    expect(build(chat({ topK: 40 }), 'amazon.nova-pro-v1:0').input.additionalModelRequestFields).toEqual({ inferenceConfig: { topK: 40 } });
    expect(build(chat({ topK: 40 }), LLAMA).input.additionalModelRequestFields).toBeUndefined();
    expect(build(chat({ topK: 40 }), 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc').input.additionalModelRequestFields).toBeUndefined();
  });

  it('turns reasoning into Claude thinking: budget on top of maxTokens, no temperature/topP/top_k, no forced tool', () => {
    const { input } = build(
      chat({ reasoning: { budgetTokens: 2000 }, maxTokens: 1000, temperature: 0.3, topP: 0.5, topK: 5, tools: [{ name: 'f', parameters: { type: 'object' } }], toolChoice: { type: 'required' } }),
    );
    expect(input.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2000 } });
    expect(input.inferenceConfig).toEqual({ maxTokens: 3000 });
    expect(input.toolConfig?.toolChoice).toEqual({ auto: {} });
    expect(build(chat({ reasoning: { effort: 'low' } })).input.inferenceConfig).toEqual({ maxTokens: 4096 + 2048 });
    expect(build(chat({ reasoning: { effort: 'high' } }), LLAMA).input.additionalModelRequestFields).toBeUndefined();
  });
});

describe('buildConverseRequest: tools', () => {
  const weather = { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

  it('maps tools and each tool choice', () => {
    const spec = { toolSpec: { name: 'get_weather', description: 'Weather by city', inputSchema: { json: weather.parameters } } };
    expect(build(chat({ tools: [weather] })).input.toolConfig).toEqual({ tools: [spec] });
    expect(build(chat({ tools: [weather], toolChoice: { type: 'auto' } })).input.toolConfig?.toolChoice).toEqual({ auto: {} });
    expect(build(chat({ tools: [weather], toolChoice: { type: 'required' } })).input.toolConfig?.toolChoice).toEqual({ any: {} });
    expect(build(chat({ tools: [weather], toolChoice: { type: 'tool', name: 'get_weather' } })).input.toolConfig?.toolChoice).toEqual({ tool: { name: 'get_weather' } });
    expect(build(chat({ tools: [{ name: 'x', description: '', parameters: { type: 'object' } }] })).input.toolConfig?.tools).toEqual([{ toolSpec: { name: 'x', inputSchema: { json: { type: 'object' } } } }]);
  });

  it('tool choice none: no tools, unless the history needs a toolConfig (then no toolChoice)', () => {
    expect(build(chat({ tools: [weather], toolChoice: { type: 'none' } })).input.toolConfig).toBeUndefined();
    const withHistory = build(chat({ messages: toolHistory, tools: [weather], toolChoice: { type: 'none' } })).input.toolConfig;
    expect(withHistory).toEqual({ tools: [{ toolSpec: { name: 'get_weather', description: 'Weather by city', inputSchema: { json: weather.parameters } } }] });
  });

  it('synthesizes minimal tool specs from the history when the request has no tools', () => {
    expect(build(chat({ messages: toolHistory })).input.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', description: 'A tool used earlier in this conversation.', inputSchema: { json: { type: 'object', properties: {} } } } }],
    });
  });

  it('JSON mode: forces a json_response tool, or requires any tool when real tools exist', () => {
    const plain = build(chat({ responseFormat: { type: 'json' } }));
    expect(plain.jsonToolName).toBe('json_response');
    expect(plain.input.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'json_response', description: 'Respond with the answer as a JSON object.', inputSchema: { json: { type: 'object', additionalProperties: true } } } }],
      toolChoice: { tool: { name: 'json_response' } },
    });
    const withTools = build(chat({ tools: [weather, { ...weather, name: 'json_response' }], responseFormat: { type: 'json-schema', name: 'r', schema: { type: 'object' }, description: 'The result' } }));
    expect(withTools.jsonToolName).toBe('json_response_1');
    expect(withTools.input.toolConfig?.toolChoice).toEqual({ any: {} });
    expect(withTools.input.toolConfig?.tools?.at(-1)).toEqual({ toolSpec: { name: 'json_response_1', description: 'The result', inputSchema: { json: { type: 'object' } } } });
    expect(build(chat({ responseFormat: { type: 'text' } })).jsonToolName).toBeUndefined();
  });
});
