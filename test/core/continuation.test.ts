import { describe, expect, it } from 'vitest';
import { CONTINUE_INSTRUCTION, ContinuationForms, ContinuationSplice, OverlapTrimmer, SentAnswer, continuationRequest } from '../../functions/core/continuation.ts';
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

describe('splicing a continuation into the stream the client reads', () => {
  it('no second start, no reasoning, the overlap trimmed before the finish, usage added to what was reported', () => {
    const sent = new SentAnswer();
    sent.add({ type: 'text-delta', text: 'The answer is forty' });
    sent.add({ type: 'usage', usage: { inputTokens: 10, outputTokens: 4, cacheReadTokens: 2 } });
    const splice = new ContinuationSplice(sent);
    const events = [
      { type: 'start', id: 'msg_2', model: 'other' },
      { type: 'reasoning-delta', text: 'hmm' },
      { type: 'text-delta', text: 'is forty' },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 3 } },
      { type: 'finish', reason: 'stop' },
    ] as const;
    expect(events.flatMap((e) => splice.map(e))).toEqual([
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 7, cacheReadTokens: 2 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('text after the overlap flows at once; held-back text comes out before a finish', () => {
    const sent = new SentAnswer();
    sent.add({ type: 'text-delta', text: 'The answer is forty' });
    const splice = new ContinuationSplice(sent);
    expect(splice.map({ type: 'text-delta', text: '-two' })).toEqual([{ type: 'text-delta', text: '-two' }]);
    const ambiguous = new ContinuationSplice(sent);
    // Could still be the start of a repeat of "is forty": held back until the finish decides.
    expect(ambiguous.map({ type: 'text-delta', text: 'is fort' })).toEqual([]);
    expect(ambiguous.map({ type: 'finish', reason: 'stop' })).toEqual([{ type: 'text-delta', text: 'is fort' }, { type: 'finish', reason: 'stop' }]);
  });

  it('the continuation request asks for no thinking again', () => {
    const continued = continuationRequest({ ...request, reasoning: { effort: 'high' } }, 'partial', 'prefill');
    expect(continued).not.toHaveProperty('reasoning');
  });
});
