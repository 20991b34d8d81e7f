import type { AnswerPart } from '../../ir/request.ts';
import { redactedData } from '../shared/redacted-thinking.ts';

/** An assistant content block as Anthropic's API returns it. */
export type AnswerBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/**
 * Tool-call arguments (JSON text) → the `input` object Anthropic clients expect. Arguments that are
 * not a JSON object (invalid JSON from a provider, or an array) cannot be expressed as `input`:
 * they become `{}`, so the client still gets a well-formed message (its tool then reports the
 * missing arguments) instead of an error after the model already answered.
 */
export function toolInput(argumentsText: string): Record<string, unknown> {
  if (argumentsText.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** One IR assistant part → its Anthropic block; undefined for an empty text part. */
export function answerBlock(part: AnswerPart): AnswerBlock | undefined {
  switch (part.type) {
    case 'text':
      return part.text === '' ? undefined : { type: 'text', text: part.text };
    case 'reasoning': {
      const data = redactedData(part.signature);
      if (data !== undefined && part.text === '') return { type: 'redacted_thinking', data };
      return { type: 'thinking', thinking: part.text, signature: part.signature ?? '' };
    }
    case 'tool-call':
      return { type: 'tool_use', id: part.id, name: part.name, input: toolInput(part.arguments) };
    default:
      return undefined;
  }
}
