import { describe, expect, it } from 'vitest';
import { CONTINUE_INSTRUCTION, ContinuationForms, OverlapTrimmer, SentAnswer, continuationRequest } from '../../functions/core/continuation.ts';
import type { ChatRequest } from '../../functions/ir/request.ts';

const request: ChatRequest = {
  model: 'default-model',
  system: [{ type: 'text', text: 'Be brief.' }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Count to ten.' }] }],
  stream: true,
  maxTokens: 100,
};

/** Feeds the continuation in pieces and returns what the client would see after the sent text. */
function trimmed(sent: string, pieces: string[]): string {
  const trimmer = new OverlapTrimmer(sent);
  return pieces.map((p) => trimmer.push(p)).join('') + trimmer.flush();
}

describe('continuation requests', () => {
  it('prefill: the partial text ends the assistant turn, without trailing white space', () => {
    const continued = continuationRequest(request, 'one, two, three, ', 'prefill');
    expect(continued.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'one, two, three,' }] });
    expect(continued.messages).toHaveLength(2);
    expect(continued.system).toEqual(request.system);
  });

  it('instruction: the partial text as an assistant turn, then the instruction to continue', () => {
    const continued = continuationRequest(request, 'one, two, three, ', 'instruction');
    expect(continued.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'one, two, three, ' }] },
      { role: 'user', content: [{ type: 'text', text: CONTINUE_INSTRUCTION }] },
    ]);
  });

  it("lowers max tokens by an estimate of what was sent, never below a floor, and leaves the client's request alone", () => {
    expect(continuationRequest(request, 'x'.repeat(200), 'prefill').maxTokens).toBe(50);
    expect(continuationRequest(request, 'x'.repeat(2000), 'prefill').maxTokens).toBe(16);
    expect(continuationRequest({ ...request, maxTokens: undefined }, 'abc', 'prefill').maxTokens).toBeUndefined();
    expect(request.messages).toHaveLength(1);
  });

  it('asks Anthropic and Bedrock targets with a prefill, others with the instruction, and remembers a refusal', () => {
    const forms = new ContinuationForms();
    const anthropic = { key: 'a/claude', dialect: { dialect: 'anthropic' as const } };
    expect(forms.formFor(anthropic)).toBe('prefill');
    expect(forms.formFor({ key: 'b/llama', dialect: { dialect: 'bedrock' as const } })).toBe('prefill');
    expect(forms.formFor({ key: 'o/gpt', dialect: { dialect: 'openai' as const } })).toBe('instruction');
    expect(forms.formFor({ key: 'g/gemini', dialect: { dialect: 'gemini' as const } })).toBe('instruction');
    forms.prefillRefused('a/claude');
    expect(forms.formFor(anthropic)).toBe('instruction');
  });
});

describe('what can be continued', () => {
  it('text can; nothing yet, a tool call, signed thinking, or a break inside reasoning cannot', () => {
    const text = new SentAnswer();
    expect(text.continuable()).toBe(false);
    text.add({ type: 'start' });
    text.add({ type: 'text-delta', text: 'Hello' });
    expect(text.continuable()).toBe(true);
    expect(text.text).toBe('Hello');

    const tool = new SentAnswer();
    tool.add({ type: 'text-delta', text: 'Let me look.' });
    tool.add({ type: 'tool-call-start', index: 0, id: 'call_1', name: 'lookup' });
    tool.add({ type: 'tool-call-delta', index: 0, arguments: '{"q":' });
    expect(tool.continuable()).toBe(false);

    const signed = new SentAnswer();
    signed.add({ type: 'reasoning-delta', text: 'hmm', signature: 'sig' });
    signed.add({ type: 'text-delta', text: 'Answer' });
    expect(signed.continuable()).toBe(false);

    const thinking = new SentAnswer();
    thinking.add({ type: 'text-delta', text: 'a' });
    thinking.add({ type: 'reasoning-delta', text: 'b' });
    expect(thinking.continuable()).toBe(false);

    const unsignedThenText = new SentAnswer();
    unsignedThenText.add({ type: 'reasoning-delta', text: 'plan' });
    unsignedThenText.add({ type: 'text-delta', text: 'Answer' });
    expect(unsignedThenText.continuable()).toBe(true);
  });
});

describe('the overlap a continuation repeats', () => {
  const sent = 'The quick brown fox jumps over the lazy dog. Then the fox ran into the';

  it('passes a clean continuation through unchanged', () => {
    expect(trimmed(sent, [' forest', ' and hid.'])).toBe(' forest and hid.');
  });

  it('trims a repeated tail, even when it arrives in pieces', () => {
    expect(trimmed(sent, ['Then the f', 'ox ran into', ' the forest.'])).toBe(' forest.');
    expect(trimmed(sent, ['fox ran into the forest.'])).toBe(' forest.');
  });

  it('keeps a short chance match (a shared letter or word)', () => {
    expect(trimmed('I saw the', ['the end'])).toBe('the end');
    expect(trimmed(sent, ['e', ' end.'])).toBe('e end.');
  });

  it('drops a repeated space at the seam, never a newline', () => {
    expect(trimmed('one, two, ', [' three'])).toBe('three');
    expect(trimmed('one, two,\n', ['\nthree'])).toBe('\nthree');
  });

  it('holds back only until the overlap is decided, then streams at once', () => {
    const trimmer = new OverlapTrimmer(sent);
    expect(trimmer.push('Then')).toBe('');
    expect(trimmer.push(' I')).toBe('Then I');
    expect(trimmer.push(' left.')).toBe(' left.');
    expect(trimmer.flush()).toBe('');
  });

  it('a continuation that ends while still ambiguous is flushed, trimmed', () => {
    const trimmer = new OverlapTrimmer(sent);
    expect(trimmer.push('into the')).toBe('');
    expect(trimmer.flush()).toBe('');
  });
});
