/**
 * Whether a Claude model takes `role: "system"` messages inside `messages` (mid-conversation
 * system messages: Claude Opus 4.8 and the families after it, on Anthropic's own API only — not on
 * Bedrock). Earlier models answer 400, so they receive such instructions folded into the user turn
 * (shared/system-notes.ts). Unknown names (aliases, fine-tunes) are treated as earlier models: a
 * folded note is understood by every model, a system turn only by some.
 */
export function takesSystemTurns(model: string): boolean {
  const match = /claude-(opus|sonnet|haiku|[a-z]+)-(\d+)(?:-(\d{1,2})(?!\d))?/.exec(model.toLowerCase());
  if (!match) return false;
  const major = Number(match[2]);
  const minor = match[3] === undefined ? 0 : Number(match[3]);
  if (major >= 5) return true;
  return match[1] === 'opus' && major === 4 && minor >= 8;
}
