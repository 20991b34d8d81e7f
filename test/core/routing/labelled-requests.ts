import { readFileSync } from 'node:fs';
import type { ChatRequest, Message } from '../../../functions/ir/request.ts';

/** One prompt of the committed labelled set, and the request shape around it. */
export interface LabelledPrompt {
  label: 'simple' | 'complex';
  prompt: string;
  /** Tool definitions offered with it. */
  tools?: number;
  /** Messages before it (alternating user and assistant, short). */
  turns?: number;
  json?: boolean;
  /** `tuning`: the weights were chosen looking at these; `held-out`: written afterwards, never tuned on. */
  set: 'tuning' | 'held-out';
}

export const LABELLED: LabelledPrompt[] = JSON.parse(readFileSync(new URL('./complexity-labelled.json', import.meta.url), 'utf8')) as LabelledPrompt[];

/** The chat request a client would send for one labelled prompt. */
export function labelledRequest(item: LabelledPrompt): ChatRequest {
  const messages: Message[] = [];
  for (let i = 0; i < (item.turns ?? 0); i++) {
    messages.push(i % 2 === 0 ? { role: 'user', content: [{ type: 'text', text: `earlier request ${i}` }] } : { role: 'assistant', content: [{ type: 'text', text: `earlier answer ${i}` }] });
  }
  messages.push({ role: 'user', content: [{ type: 'text', text: item.prompt }] });
  return {
    model: 'm',
    system: [],
    messages,
    stream: false,
    ...(item.tools ? { tools: Array.from({ length: item.tools }, (_, i) => ({ name: `tool_${i}`, description: 'a tool', parameters: { type: 'object', properties: { path: { type: 'string' } } } })) } : {}),
    ...(item.json ? { responseFormat: { type: 'json' as const } } : {}),
  };
}
