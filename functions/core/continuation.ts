import type { ChatRequest, DialectName } from '../ir/request.ts';
import type { StreamEvent, Usage } from '../ir/events.ts';
import type { Failure } from '../ir/failure.ts';
import type { TargetKey } from './ports.ts';

/**
 * Mid-stream continuation (RELIABILITY.md §4): when a stream fails after text reached the client,
 * another attempt is asked to carry the answer on, and the client sees one seamless stream. This
 * file holds the pure parts: what can be continued, how a target is asked, and how a repeated
 * overlap is trimmed. The attempt loop and the stream writer do the I/O.
 */

/**
 * `prefill`: the partial text is the start of the assistant turn and the model continues it
 * (Anthropic Messages, Bedrock's Converse). `instruction`: the partial text goes in as an assistant
 * turn followed by a short user instruction to continue, and the overlap the model repeats is
 * trimmed (Chat Completions models mostly reject a trailing assistant message).
 */
export type ContinuationForm = 'prefill' | 'instruction';

export const CONTINUE_INSTRUCTION =
  'Your previous reply was cut off mid-answer. Continue it exactly where it stopped: no preamble, do not repeat anything you already wrote, keep the same language and format.';

/** Dialects whose APIs accept a trailing assistant message as a prefill. */
const PREFILL_DIALECTS: ReadonlySet<DialectName> = new Set(['anthropic', 'bedrock']);

/** Characters per token for the sent-text estimate that lowers `maxTokens` (no tokenizer here). */
const CHARS_PER_TOKEN = 4;
/** A continuation asks for at least this many tokens, whatever the client's budget says is left. */
const MIN_CONTINUATION_TOKENS = 16;

/** Builds the request that asks a target to carry on from `sent`, the text the client already has. */
export function continuationRequest(request: ChatRequest, sent: string, form: ContinuationForm): ChatRequest {
  // Anthropic refuses a prefill that ends in white space; the trimmer drops a repeated space.
  const text = form === 'prefill' ? sent.trimEnd() : sent;
  const messages: ChatRequest['messages'] = [...request.messages, { role: 'assistant', content: [{ type: 'text', text }] }];
  if (form === 'instruction') messages.push({ role: 'user', content: [{ type: 'text', text: CONTINUE_INSTRUCTION }] });
  // Thinking is not asked for again: the reasoning was already spent, and Anthropic refuses thinking
  // together with a prefill.
  // The client's own body never goes to a continuation: its messages changed.
  const { reasoning: _reasoning, original: _original, ...rest } = request;
  const continued: ChatRequest = { ...rest, messages, stream: true };
  if (request.maxTokens !== undefined) {
    continued.maxTokens = Math.max(MIN_CONTINUATION_TOKENS, request.maxTokens - Math.ceil(sent.length / CHARS_PER_TOKEN));
  }
  return continued;
}

/**
 * Which form each target is asked in: prefill where its dialect takes one, else the instruction;
 * a target that refused a prefill (a 400) is asked with the instruction from then on.
 */
export class ContinuationForms {
  private readonly refused = new Set<TargetKey>();

  formFor(target: { key: TargetKey; dialect: { dialect: DialectName } }): ContinuationForm {
    return PREFILL_DIALECTS.has(target.dialect.dialect) && !this.refused.has(target.key) ? 'prefill' : 'instruction';
  }

  /** Remembers that this target rejected a prefill. Bounded by the configured targets. */
  prefillRefused(target: TargetKey): void {
    this.refused.add(target);
  }
}

/** Whether a failure is worth one more try on the same target first (a cut, a reset, an overload event). */
export function looksTransient(failure: Failure): boolean {
  return failure.kind === 'stream-broken' || failure.kind === 'connect' || failure.kind === 'server';
}

/**
 * What the client has been sent so far, as far as continuation cares: the text, and whether
 * anything was sent that a continuation could not carry faithfully (a tool call, signed thinking).
 */
export class SentAnswer {
  text = '';
  /** The last usage the client was sent (cumulative), to add the continuation's to. */
  usage: Usage | undefined;
  private toolCall = false;
  private signed = false;
  private lastContent: 'text' | 'reasoning' | 'tool' | undefined;

  /** What a passed-through part sent (its tracker read it): its text, and whether it can be carried on. */
  static of(text: string, continuable: boolean, usage: Usage | undefined): SentAnswer {
    const sent = new SentAnswer();
    sent.text = text;
    sent.usage = usage;
    sent.lastContent = continuable ? 'text' : 'tool';
    sent.toolCall = !continuable;
    return sent;
  }

  add(event: StreamEvent): void {
    switch (event.type) {
      case 'text-delta':
        this.text += event.text;
        this.lastContent = 'text';
        break;
      case 'reasoning-delta':
        if (event.signature) this.signed = true;
        this.lastContent = 'reasoning';
        break;
      case 'tool-call-start':
      case 'tool-call-delta':
      case 'tool-call-end':
        this.toolCall = true;
        this.lastContent = 'tool';
        break;
      case 'usage':
        this.usage = event.usage;
        break;
      default:
        break;
    }
  }

  /**
   * Text continues; a break inside or after a tool call, after signed thinking, or before any text
   * cannot be continued faithfully.
   */
  continuable(): boolean {
    return this.lastContent === 'text' && !this.toolCall && !this.signed && this.text.length > 0;
  }
}

/** How much of the sent text's tail is compared with the continuation's start. */
const OVERLAP_WINDOW = 200;
/** A shorter match is taken for chance (a shared letter or word), not a repeat. */
const MIN_OVERLAP = 6;

/**
 * Trims what a continuation repeats of the text already sent: the longest suffix of the sent tail
 * (at least MIN_OVERLAP characters) that the continuation starts with. The continuation's first
 * characters are held back until the overlap is decided (at most OVERLAP_WINDOW of them), then
 * everything flows through. A repeated white space at the seam is dropped too.
 */
export class OverlapTrimmer {
  private readonly tail: string;
  private pending = '';
  private decided = false;

  constructor(sent: string) {
    this.tail = sent.slice(-OVERLAP_WINDOW);
  }

  /** Text to send now for one continuation delta ('' while still deciding). */
  push(text: string): string {
    if (this.decided) return text;
    this.pending += text;
    if (this.pending.length < this.tail.length && this.couldStillGrow()) return '';
    return this.decide();
  }

  /** The continuation ended (or its stream broke): whatever is still held back, trimmed. */
  flush(): string {
    return this.decided ? '' : this.decide();
  }

  /** Some suffix of the tail longer than what is pending still starts with all of it. */
  private couldStillGrow(): boolean {
    for (let length = this.pending.length + 1; length <= this.tail.length; length++) {
      if (this.tail.slice(this.tail.length - length).startsWith(this.pending)) return true;
    }
    return false;
  }

  private decide(): string {
    this.decided = true;
    let out = this.pending;
    this.pending = '';
    const longest = Math.min(this.tail.length, out.length);
    for (let length = longest; length >= MIN_OVERLAP; length--) {
      if (this.tail.endsWith(out.slice(0, length))) {
        out = out.slice(length);
        break;
      }
    }
    if (/\s$/.test(this.tail)) out = out.replace(/^[^\S\n]+/, '');
    return out;
  }
}

/**
 * Splices a continuation's events into the stream the client is already reading: no second start,
 * no reasoning, the repeated overlap trimmed, and usage that adds the continuation's to what the
 * broken attempt had reported (both were paid for).
 */
export class ContinuationSplice {
  private readonly trimmer: OverlapTrimmer;
  private readonly prior: Usage | undefined;

  constructor(sent: SentAnswer) {
    this.trimmer = new OverlapTrimmer(sent.text);
    this.prior = sent.usage;
  }

  /** The events the client's encoder should see for one event of the continuation. */
  map(event: StreamEvent): StreamEvent[] {
    switch (event.type) {
      case 'start':
      case 'reasoning-delta':
        return [];
      case 'text-delta': {
        const text = this.trimmer.push(event.text);
        return text ? [{ type: 'text-delta', text }] : [];
      }
      case 'usage':
        return [{ type: 'usage', usage: addUsage(this.prior, event.usage) }];
      default:
        return [...this.flush(), event];
    }
  }

  /** Text still held back by the trimmer (before a finish, a tool call, or a break). */
  flush(): StreamEvent[] {
    const text = this.trimmer.flush();
    return text ? [{ type: 'text-delta', text }] : [];
  }
}

function addUsage(a: Usage | undefined, b: Usage): Usage {
  if (!a) return b;
  const sum: Usage = { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
  for (const field of ['cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const) {
    if (a[field] !== undefined || b[field] !== undefined) sum[field] = (a[field] ?? 0) + (b[field] ?? 0);
  }
  return sum;
}
