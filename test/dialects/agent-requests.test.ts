import { describe, expect, it } from 'vitest';
import { buildAnthropicRequest } from '../../functions/dialects/anthropic/build-request.ts';
import { takesSystemTurns } from '../../functions/dialects/anthropic/system-turns.ts';
import { buildConverseRequest } from '../../functions/dialects/bedrock/build-request.ts';
import { buildGeminiRequest } from '../../functions/dialects/gemini/build-request.ts';
import { buildOpenAiRequest } from '../../functions/dialects/openai/build-request.ts';
import { buildResponsesRequest } from '../../functions/dialects/openai-responses/build-request.ts';
import { foldSystemMessages } from '../../functions/dialects/shared/system-notes.ts';
import type { TargetCall } from '../../functions/ir/dialect.ts';
import type { ChatRequest, Message } from '../../functions/ir/request.ts';

/**
 * What coding agents send, as each provider dialect builds it: mid-conversation system messages,
 * tool history without tool definitions, thinking signatures on a change of provider.
 */

const text = (t: string) => ({ type: 'text' as const, text: t });
const note = (t: string) => text(`<system-reminder>\n${t}\n</system-reminder>`);

function chat(messages: Message[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', system: [text('Be brief.')], messages, stream: true, ...extra };
}

function openaiTarget(kind: string): TargetCall {
  return { provider: { name: 'p', kind, baseUrl: 'http://127.0.0.1:1/v1' }, model: 'm', forwardHeaders: {} };
}

function openaiBody(request: ChatRequest, kind: string) {
  const built = buildOpenAiRequest(request, openaiTarget(kind));
  if (!built.ok) throw new Error(built.failure.message);
  return built.body;
}

function anthropicBody(request: ChatRequest, model: string) {
  const built = buildAnthropicRequest(request, model);
  if (!built.ok) throw new Error(built.failure.message);
  return built.body;
}

function converse(request: ChatRequest, model: string) {
  const built = buildConverseRequest(request, model);
  if (!built.ok) throw new Error(built.failure.message);
  return built.request.input;
}

/** Claude Code's shape: a user turn, then an instruction for what follows. */
const midSystem: Message[] = [
  { role: 'user', content: [text('Refactor the parser.')] },
  { role: 'system', content: [text('Plan mode is active: do not edit files.')] },
];

/** An instruction after an assistant turn, then the user's next turn. */
const afterAssistant: Message[] = [
  { role: 'user', content: [text('Hi')] },
  { role: 'assistant', content: [text('Hello.')] },
  { role: 'system', content: [text('Answer in French.')], developer: true },
  { role: 'user', content: [text('Weather?')] },
];

describe('mid-conversation system messages', () => {
  it('fold into the user turn where they were given, and open a user turn after an assistant turn', () => {
    expect(foldSystemMessages(midSystem)).toEqual([{ role: 'user', content: [text('Refactor the parser.'), note('Plan mode is active: do not edit files.')] }]);
    expect(foldSystemMessages(afterAssistant)).toEqual([
      { role: 'user', content: [text('Hi')] },
      { role: 'assistant', content: [text('Hello.')] },
      { role: 'user', content: [note('Answer in French.'), text('Weather?')] },
    ]);
  });

  it("OpenAI's own API keeps them in place, with their role; compatible vendors get the folded note", () => {
    expect(openaiBody(chat(afterAssistant), 'openai').messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'developer', content: 'Answer in French.' },
      { role: 'user', content: 'Weather?' },
    ]);
    expect(openaiBody(chat(afterAssistant), 'groq').messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: [note('Answer in French.'), text('Weather?')] },
    ]);
  });

  it('a Responses target keeps them in place as system or developer input items', () => {
    const built = buildResponsesRequest(chat(afterAssistant), openaiTarget('openai'));
    if (!built.ok) throw new Error(built.failure.message);
    expect(built.body.input).toContainEqual({ role: 'developer', content: [{ type: 'input_text', text: 'Answer in French.' }] });
  });

  it('Claude models that take system turns keep them where the placement rules allow; others get the note', () => {
    expect(takesSystemTurns('claude-opus-4-8')).toBe(true);
    expect(takesSystemTurns('claude-sonnet-5-20270101')).toBe(true);
    expect(takesSystemTurns('claude-opus-4-20250514')).toBe(false);
    expect(takesSystemTurns('claude-sonnet-4-5-20250929')).toBe(false);
    expect(takesSystemTurns('claude-3-7-sonnet-latest')).toBe(false);
    expect(anthropicBody(chat(midSystem), 'claude-opus-4-8').messages).toEqual([
      { role: 'user', content: [text('Refactor the parser.')] },
      { role: 'system', content: [text('Plan mode is active: do not edit files.')] },
    ]);
    expect(anthropicBody(chat(midSystem), 'claude-sonnet-4-5').messages).toEqual([{ role: 'user', content: [text('Refactor the parser.'), note('Plan mode is active: do not edit files.')] }]);
    // After an assistant turn a system turn is not allowed even where the model takes them.
    expect(anthropicBody(chat(afterAssistant), 'claude-opus-4-8').messages).toEqual([
      { role: 'user', content: [text('Hi')] },
      { role: 'assistant', content: [text('Hello.')] },
      { role: 'user', content: [note('Answer in French.'), text('Weather?')] },
    ]);
    // The system prompt at the head of the request is untouched (the provider's prompt cache still matches).
    expect(anthropicBody(chat(midSystem), 'claude-sonnet-4-5').system).toEqual([text('Be brief.')]);
  });

  it('Bedrock and Gemini get the folded note', () => {
    expect(converse(chat(midSystem), 'us.anthropic.claude-opus-4-8-v1:0').messages).toEqual([
      { role: 'user', content: [{ text: 'Refactor the parser.' }, { text: note('Plan mode is active: do not edit files.').text }] },
    ]);
    const gemini = buildGeminiRequest(chat(afterAssistant));
    if (!gemini.ok) throw new Error(gemini.failure.message);
    expect(gemini.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Hi' }] },
      { role: 'model', parts: [{ text: 'Hello.' }] },
      { role: 'user', parts: [{ text: note('Answer in French.').text }, { text: 'Weather?' }] },
    ]);
  });
});

/** A compaction request: the history replays tool calls, the request offers no tools. */
const toolHistory: Message[] = [
  { role: 'user', content: [text('Read the README.')] },
  { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_1', name: 'Read', arguments: '{"path":"README.md"}' }] },
  { role: 'tool', toolCallId: 'toolu_1', toolName: 'Read', content: [text('# Understudy')] },
  { role: 'user', content: [text('Summarise this conversation.')] },
];

describe('tool history without tool definitions', () => {
  it('Anthropic gets stand-in tools offered with tool_choice none', () => {
    const body = anthropicBody(chat(toolHistory), 'claude-sonnet-4-5');
    expect(body.tools).toEqual([{ name: 'Read', description: 'A tool used earlier in this conversation.', input_schema: { type: 'object', properties: {} } }]);
    expect(body.tool_choice).toEqual({ type: 'none' });
  });

  it('compatible vendors get stand-ins with tool_choice none; OpenAI itself takes the history as it is', () => {
    const body = openaiBody(chat(toolHistory), 'openai-compatible');
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'Read', description: 'A tool used earlier in this conversation.', parameters: { type: 'object', properties: {} } } }]);
    expect(body.tool_choice).toBe('none');
    const native = openaiBody(chat(toolHistory), 'openai');
    expect(native.tools).toBeUndefined();
    expect(native.tool_choice).toBeUndefined();
  });

  it('declared tools are sent as they are, without stand-ins', () => {
    const tools = [{ name: 'Read', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }];
    const body = anthropicBody(chat(toolHistory, { tools }), 'claude-sonnet-4-5');
    expect(body.tools).toEqual([{ name: 'Read', description: 'Read a file', input_schema: tools[0]!.parameters }]);
    expect(body.tool_choice).toBeUndefined();
  });
});

/** A history whose assistant turn carries Claude's signed thinking, a redacted block, and another provider's unsigned reasoning. */
const thinkingHistory: Message[] = [
  { role: 'user', content: [text('2+2?')] },
  {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: 'Simple sum.', signature: 'EqQBCkYIBxgCKkA' },
      { type: 'reasoning', text: '', signature: 'redacted_thinking:ENCRYPTED' },
      { type: 'reasoning', text: 'unsigned thoughts' },
      text('4'),
    ],
  },
  { role: 'user', content: [text('And 3+3?')] },
];

describe('thinking across providers', () => {
  it('Anthropic replays signed and redacted thinking exactly and drops unsigned reasoning', () => {
    const messages = anthropicBody(chat(thinkingHistory), 'claude-sonnet-4-5').messages as { content: unknown[] }[];
    expect(messages[1]!.content).toEqual([
      { type: 'thinking', thinking: 'Simple sum.', signature: 'EqQBCkYIBxgCKkA' },
      { type: 'redacted_thinking', data: 'ENCRYPTED' },
      { type: 'text', text: '4' },
    ]);
  });

  it('Bedrock replays signed thinking to Claude only, never the redacted block as a signature', () => {
    const claude = converse(chat(thinkingHistory), 'us.anthropic.claude-sonnet-4-5-20250929-v1:0').messages![1]!;
    expect(claude.content).toEqual([{ reasoningContent: { reasoningText: { text: 'Simple sum.', signature: 'EqQBCkYIBxgCKkA' } } }, { text: '4' }]);
    const nova = converse(chat(thinkingHistory), 'amazon.nova-pro-v1:0').messages![1]!;
    expect(nova.content).toEqual([{ text: '4' }]);
  });

  it('OpenAI-style and Gemini targets receive no reasoning and no signature', () => {
    const openai = JSON.stringify(openaiBody(chat(thinkingHistory), 'openai'));
    const gemini = buildGeminiRequest(chat(thinkingHistory));
    if (!gemini.ok) throw new Error(gemini.failure.message);
    for (const body of [openai, JSON.stringify(gemini.body)]) {
      expect(body).not.toContain('EqQBCkYIBxgCKkA');
      expect(body).not.toContain('ENCRYPTED');
      expect(body).not.toContain('Simple sum.');
    }
  });
});
