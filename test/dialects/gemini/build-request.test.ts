import { describe, expect, it } from 'vitest';
import { buildGeminiRequest } from '../../../functions/dialects/gemini/build-request.ts';
import { toGeminiSchema } from '../../../functions/dialects/gemini/schema.ts';
import type { ChatRequest, Message } from '../../../functions/ir/request.ts';

function chat(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: true, ...overrides };
}

function build(request: ChatRequest) {
  const result = buildGeminiRequest(request);
  if (!result.ok) throw new Error(`unexpected failure: ${result.failure.message}`);
  return result.body;
}

const history: Message[] = [
  { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
  { role: 'assistant', content: [{ type: 'reasoning', text: 'thinking', signature: 's' }, { type: 'tool-call', id: 'call_c1', name: 'get_weather', arguments: '{"city":"Oslo"}' }, { type: 'text', text: 'Checking.' }] },
  { role: 'assistant', content: [{ type: 'tool-call', id: 'call_c2', name: 'get_time', arguments: 'not json' }] },
  { role: 'tool', toolCallId: 'call_c1', content: [{ type: 'text', text: '-3C' }] },
  { role: 'tool', toolCallId: 'call_c2', toolName: 'get_time', content: [{ type: 'text', text: 'no clock' }], isError: true },
  { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
];

describe('buildGeminiRequest: contents', () => {
  it('maps roles, merges turns, puts function responses first and looks up missing names', () => {
    expect(build(chat({ system: [{ type: 'text', text: 'Be brief.' }], messages: history }))).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Oslo?' }] },
        {
          role: 'model',
          parts: [
            { text: 'Checking.' },
            { functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: 'skip_thought_signature_validator' },
            { functionCall: { name: 'get_time', args: {} }, thoughtSignature: 'skip_thought_signature_validator' },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { content: '-3C' } } },
            { functionResponse: { name: 'get_time', response: { error: 'no clock' } } },
            { text: 'Thanks' },
          ],
        },
      ],
    });
  });

  it('refuses a tool result whose function name cannot be found', () => {
    const result = buildGeminiRequest(chat({ messages: [{ role: 'tool', toolCallId: 'lost', content: [{ type: 'text', text: 'x' }] }] }));
    expect(result).toMatchObject({ ok: false, failure: { kind: 'unsupported' } });
  });

  it('maps base64 images to inlineData and refuses URLs', () => {
    const body = build(chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', mediaType: 'image/webp', data: 'AAAA' } }] }] }));
    expect(body.contents[0]!.parts).toEqual([{ text: 'What is this?' }, { inlineData: { mimeType: 'image/webp', data: 'AAAA' } }]);
    expect(buildGeminiRequest(chat({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'gs://b/a.png' } }] }] }))).toMatchObject({
      ok: false,
      failure: { kind: 'unsupported' },
    });
  });
});

describe('buildGeminiRequest: generation config', () => {
  it('maps sampling, stop sequences and seed; clamps temperature to 0..2', () => {
    expect(build(chat({ maxTokens: 200, temperature: 3, topP: 0.8, topK: 40, stop: ['END'], seed: 7 })).generationConfig).toEqual({
      maxOutputTokens: 200,
      temperature: 2,
      topP: 0.8,
      topK: 40,
      stopSequences: ['END'],
      seed: 7,
    });
    expect(build(chat()).generationConfig).toBeUndefined();
  });

  it('refuses more than 5 stop sequences', () => {
    expect(buildGeminiRequest(chat({ stop: ['a', 'b', 'c', 'd', 'e', 'f'] }))).toEqual({
      ok: false,
      failure: { kind: 'unsupported', message: 'Gemini accepts at most 5 stop sequences', param: 'stop' },
    });
  });

  it('maps JSON modes natively', () => {
    expect(build(chat({ responseFormat: { type: 'json' } })).generationConfig).toEqual({ responseMimeType: 'application/json' });
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false };
    expect(build(chat({ responseFormat: { type: 'json-schema', name: 'r', schema } })).generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false },
    });
  });

  it('maps reasoning to thinkingConfig', () => {
    expect(build(chat({ reasoning: { budgetTokens: 512 } })).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 512, includeThoughts: true } });
    expect(build(chat({ reasoning: { effort: 'high' } })).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 16384, includeThoughts: true } });
  });
});

describe('buildGeminiRequest: tools', () => {
  const weather = {
    name: 'get_weather',
    description: 'Weather by city',
    parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  };

  it('declares functions with cleaned schemas; a function without arguments has no parameters', () => {
    const body = build(chat({ tools: [weather, { name: 'now', parameters: { type: 'object', properties: {} } }] }));
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
          { name: 'now' },
        ],
      },
    ]);
    expect(body.toolConfig).toBeUndefined();
  });

  it('maps each tool choice to a function-calling mode', () => {
    expect(build(chat({ tools: [weather], toolChoice: { type: 'auto' } })).toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(build(chat({ tools: [weather], toolChoice: { type: 'none' } })).toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(build(chat({ tools: [weather], toolChoice: { type: 'required' } })).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(build(chat({ tools: [weather], toolChoice: { type: 'tool', name: 'get_weather' } })).toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    });
  });
});

describe('toGeminiSchema', () => {
  it('inlines $ref, turns nullable type arrays, oneOf and const into Gemini forms, and drops unknown keywords', () => {
    const schema = {
      type: 'object',
      $defs: { Unit: { type: 'string', enum: ['c', 'f'], description: 'unit' } },
      properties: {
        unit: { $ref: '#/$defs/Unit', description: 'temperature unit' },
        note: { type: ['string', 'null'], format: 'uri', maxLength: 10 },
        when: { type: 'string', format: 'date-time' },
        kind: { const: 'weather' },
        value: { oneOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'integer', format: 'int64' }] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
        level: { type: 'integer', enum: [1, 2] },
      },
      required: ['unit', 'ghost'],
      additionalProperties: false,
    };
    expect(toGeminiSchema(schema)).toEqual({
      type: 'object',
      properties: {
        unit: { type: 'string', enum: ['c', 'f'], description: 'temperature unit' },
        note: { type: 'string', nullable: true, maxLength: 10 },
        when: { type: 'string', format: 'date-time' },
        kind: { enum: ['weather'] },
        value: { anyOf: [{ type: 'number' }, { type: 'integer', format: 'int64' }] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
        level: { type: 'integer' },
      },
      required: ['unit'],
    });
  });

  it('survives a recursive $ref', () => {
    const tree = { $ref: '#/definitions/Node', definitions: { Node: { type: 'object', properties: { child: { $ref: '#/definitions/Node' } } } } };
    expect(toGeminiSchema(tree)).toEqual({ type: 'object', properties: { child: {} } });
  });
});

describe('buildGeminiRequest: call ids', () => {
  it("echoes an id Gemini issued in functionCall and functionResponse, and leaves other providers' ids out", () => {
    const body = build(
      chat({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'fc-7', name: 'get_weather', arguments: '{}' }, { type: 'tool-call', id: 'toolu_01', name: 'get_weather', arguments: '{}' }] },
          { role: 'tool', toolCallId: 'fc-7', content: [{ type: 'text', text: 'sun' }] },
          { role: 'tool', toolCallId: 'toolu_01', content: [{ type: 'text', text: 'rain' }] },
        ],
      }),
    );
    const [, model, user] = body.contents;
    expect(model?.parts.map((p) => p.functionCall?.id)).toEqual(['fc-7', undefined]);
    expect(user?.parts.map((p) => p.functionResponse?.id)).toEqual(['fc-7', undefined]);
  });
});
