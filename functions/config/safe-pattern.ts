/**
 * Route patterns run on caller text, so a pattern must not be able to backtrack exponentially
 * (ReDoS). Node has no linear-time regex engine, so patterns are held to a safe subset, checked
 * when the configuration is validated, and the text they scan is cut to MAX_SCANNED_CHARS:
 *   - at most MAX_PATTERN_CHARS characters;
 *   - no backreferences (`\1`, `\k<name>`), which make matching super-linear by definition;
 *   - no quantifier on a group that itself contains a quantifier or an alternation — the shapes
 *     `(a+)+`, `(a*)*`, `(a|a)*`, `(\w+\s?)*` behind every classic catastrophic backtrack.
 * Plain alternations (`cheap|simple`), classes, anchors and quantified single items stay allowed.
 */
export const MAX_PATTERN_CHARS = 256;

/** Why a pattern is refused; undefined when it is in the safe subset and compiles. */
export function unsafePatternReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_CHARS) return `longer than ${MAX_PATTERN_CHARS} characters`;
  try {
    new RegExp(pattern, 'i');
  } catch (error) {
    return `not a valid regular expression (${(error as Error).message})`;
  }
  // One frame per open group: whether it holds a quantifier or an alternation so far.
  const stack: { risky: boolean }[] = [];
  let lastGroupRisky = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences are not allowed';
      i++;
      lastGroupRisky = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      lastGroupRisky = false;
      continue;
    }
    if (c === '(') {
      stack.push({ risky: false });
      lastGroupRisky = false;
      continue;
    }
    if (c === ')') {
      const frame = stack.pop();
      lastGroupRisky = frame?.risky ?? false;
      // A group's riskiness makes its parent risky too: ((a+)b)+ is as bad as (a+)+.
      if (frame?.risky && stack.length > 0) stack[stack.length - 1]!.risky = true;
      continue;
    }
    if (c === '|') {
      if (stack.length > 0) stack[stack.length - 1]!.risky = true;
      continue;
    }
    const quantifier = c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)));
    if (quantifier) {
      if (lastGroupRisky && c !== '?') return 'a quantifier on a group that contains a quantifier or an alternation can backtrack exponentially; rewrite without the nesting';
      if (stack.length > 0) stack[stack.length - 1]!.risky = true;
      if (c === '{') i = pattern.indexOf('}', i);
      lastGroupRisky = false;
      continue;
    }
    lastGroupRisky = false;
  }
  return undefined;
}
