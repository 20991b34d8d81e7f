/**
 * The answer text a pass-through lane tracker follows (ir/lane.ts), read without parsing events:
 * each text delta's JSON string literal is kept as it came (its escapes intact), and the whole is
 * decoded once, when a continuation asks for it. Concatenated literal bodies are one valid literal.
 */
export class LaneText {
  private pieces: string[] = [];

  /** The body of a JSON string literal, without its quotes. */
  push(literal: string): void {
    if (literal !== '') this.pieces.push(literal);
  }

  get empty(): boolean {
    return this.pieces.length === 0;
  }

  text(): string {
    const raw = this.pieces.join('');
    this.pieces = raw === '' ? [] : [raw];
    if (!raw.includes('\\')) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return '';
    }
  }
}

/** The first string value of `key` in an event's JSON, as its literal body (escapes intact). */
export function stringField(key: string): RegExp {
  return new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`);
}
