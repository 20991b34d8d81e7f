import type { Message, TextPart } from '../../ir/request.ts';

/**
 * The tag that wraps a mid-conversation instruction folded into a user turn. It is the convention
 * Claude Code itself uses for instructions it adds inside user turns, so Claude models in
 * particular read it as an instruction of the application rather than words of the user.
 */
export const SYSTEM_NOTE_TAG = 'system-reminder';

/** The text of a folded instruction: the instruction's parts joined by a blank line, tagged. */
export function systemNote(content: TextPart[]): TextPart {
  const text = content.map((p) => p.text).join('\n\n');
  return { type: 'text', text: `<${SYSTEM_NOTE_TAG}>\n${text}\n</${SYSTEM_NOTE_TAG}>` };
}

/**
 * Mid-conversation `system` messages → text in a user turn, for targets that have no
 * mid-conversation instruction turn (Bedrock, Gemini, Claude models before Opus 4.8, OpenAI-style
 * vendors whose chat templates take one leading system turn only).
 *
 * Folded where it was given, not hoisted into the system prompt: the position is part of the
 * meaning ("from here on, …"), and the system prompt at the head of the request stays the same
 * from turn to turn, so a provider's prompt cache still matches. The note joins the user turn just
 * before it; after an assistant turn it starts a user turn of its own, which the user turn that
 * follows (if any) joins, so roles still alternate. `keep` names the system messages the target
 * takes as they are.
 */
export function foldSystemMessages(messages: Message[], keep: (index: number) => boolean = () => false): Message[] {
  if (!messages.some((m) => m.role === 'system')) return messages;
  const out: Message[] = [];
  // Set while the last message of `out` is a user turn holding a note: a user turn next joins it.
  let afterNote = false;
  for (const [index, message] of messages.entries()) {
    const last = out[out.length - 1];
    if (message.role === 'system' && !keep(index)) {
      const note = systemNote(message.content);
      if (last?.role === 'user') out[out.length - 1] = { role: 'user', content: [...last.content, note] };
      else out.push({ role: 'user', content: [note] });
      afterNote = true;
    } else if (message.role === 'user' && afterNote && last?.role === 'user') {
      out[out.length - 1] = { role: 'user', content: [...last.content, ...message.content] };
    } else {
      afterNote = false;
      out.push(message);
    }
  }
  return out;
}
