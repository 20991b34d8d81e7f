import type { RequestFeatures } from './request-features.ts';

/**
 * A cheap, transparent complexity score in [0, 1]: a logistic function of a handful of features
 * read from the request alone (RequestFeatures). No model, no tokenizer: a few regex scans over the
 * last user message (cut to MAX_SCANNED_CHARS) and counters gathered while the request was parsed.
 * Deterministic: the same request always gets the same score. The weights are in one table so a
 * reader can see why a prompt scored as it did (`explainComplexity`), and a learned router could
 * later replace `complexityScore` behind the same signature.
 */

/** Words and phrases that ask for reasoning, design or code work. */
const REASONING_CUES =
  /\b(why|prove|proof|derive|analy[sz]e|analysis|compare|trade-?offs?|design|architect\w*|optimi[sz]e|debug\w*|refactor\w*|implement\w*|algorithm\w*|step[- ]by[- ]step|reason(?:ing)?|evaluate|plan|strategy|complexity|edge cases?|diagnose|root cause|migrat\w+|concurren\w+|race condition|invariant|theorem|calculate|estimate|pros and cons|critique|review|investigate|bug|performance|scal\w+|security|threat model|explain|walk (?:me )?through|figure out|tests?|correct(?:ness|ly)|robust|graceful\w*|idiomatic|hypothes[ie]s)\b/g;
/** Programming languages, systems and tools: technical work, even when phrased briefly. */
const TECHNICAL_CUES =
  /\b(python|rust|golang|go code|java|kotlin|typescript|javascript|c\+\+|sql|postgres\w*|mysql|react|kubernetes|docker|tokio|asyncio|lambda|redis|dynamodb|api|tcp|http\/2|graph|regex|compiler|kernel|database|schema|ci|goroutines?|threads?|mutex)\b/g;
/** Sequencing: the answer has several parts that depend on each other. */
const STEP_CUES = /\b(first|then|after that|next|finally|secondly|thirdly|followed by|in order to|for each)\b|\n\s*(?:\d+[.)]|[-*•])\s/g;
/** Constraints the answer must satisfy. */
const CONSTRAINT_CUES = /\b(must|must not|should|without|at least|at most|no more than|exactly|ensure|make sure|constraints?|requirements?|unless|only if|guarantee|handle)\b/g;
/** Simple, bounded tasks: classify, extract, convert, look up. Read in the instruction's head only. */
const SIMPLE_CUES =
  /\b(classify|categori[sz]e|label|sentiment|extract|translate|summari[sz]e|tl;?dr|yes or no|true or false|one word|single word|which category|capital of|spell|define|definition of|synonym|convert|format (?:this|the)|reply with (?:only|just)|answer with (?:only|just)|respond with (?:only|just)|is this (?:spam|positive|negative)|detect the language|fix the typo|rephrase|rewrite|list the|what is the|what's the|who (?:is|was|wrote)|when (?:is|was|did))\b/g;
/** Code in the prompt: fenced blocks, or lines that look like source. */
const CODE_LINE = /(?:^|\n)\s*(?:def |class |function |import |from \S+ import|const |let |var |public |private |#include|SELECT |fn |func |package |return |if \(|for \()|[{};]\s*(?:\n|$)|=>/g;

/** The head of the last user message, where a simple task names itself ("Classify …", "Translate …"). */
const HEAD_CHARS = 100;
/**
 * Characters of the last user message the cue scans read: the regex scans are nearly all of the
 * score's cost, and the instruction is stated at the start; the length feature sees the whole.
 */
const CUE_CHARS = 2_048;

export const COMPLEXITY_WEIGHTS = {
  bias: -1.4,
  /** log-scaled length: 0 at 12 estimated tokens, 1 at 2,000 and above. */
  length: 1.2,
  /** Fenced code or source-like lines (0, 0.5, 1). */
  code: 1.3,
  /** Per distinct reasoning cue, up to 3. */
  reasoning: 0.8,
  /** Per distinct technical term, up to 2. */
  technical: 0.5,
  /** Per sequencing cue, up to 4. */
  steps: 0.35,
  /** Per constraint cue, up to 4. */
  constraints: 0.3,
  /** Conversation depth: log2(messages), up to 1 at 16 messages. */
  depth: 0.6,
  /** Tools offered, or a tool loop under way. */
  tools: 0.7,
  /** The caller asked for reasoning effort or a thinking budget. */
  reasoningRequested: 1.0,
  /** Per simple-task cue in the head, up to 2 (negative: pulls the score down). */
  simple: -1.2,
  /** JSON output asked for: usually extraction into a shape (negative). */
  jsonOutput: -0.4,
} as const;

export interface ComplexityParts {
  length: number;
  code: number;
  reasoning: number;
  technical: number;
  steps: number;
  constraints: number;
  depth: number;
  tools: number;
  reasoningRequested: number;
  simple: number;
  jsonOutput: number;
}

/** The features, each already scaled and capped, before the weights. */
export function complexityParts(features: RequestFeatures): ComplexityParts {
  const text = features.lastUserText.length > CUE_CHARS ? features.lastUserText.slice(0, CUE_CHARS) : features.lastUserText;
  const lower = text.toLowerCase();
  const fences = countFences(text);
  const codeLines = fences > 0 ? 0 : count(CODE_LINE, text, 3);
  return {
    length: clamp(Math.log2(Math.max(1, features.inputTokens) / 12) / Math.log2(2000 / 12), 0, 1),
    code: fences >= 2 ? 1 : codeLines >= 3 ? 1 : codeLines >= 1 ? 0.5 : 0,
    reasoning: distinct(REASONING_CUES, lower, 3),
    technical: distinct(TECHNICAL_CUES, lower, 2),
    steps: count(STEP_CUES, lower, 4),
    constraints: count(CONSTRAINT_CUES, lower, 4),
    depth: clamp(Math.log2(Math.max(1, features.depth)) / 4, 0, 1),
    tools: features.tools > 0 || features.toolHistory > 0 ? 1 : 0,
    reasoningRequested: features.reasoning ? 1 : 0,
    simple: distinct(SIMPLE_CUES, lower.slice(0, HEAD_CHARS), 2),
    jsonOutput: features.jsonOutput ? 1 : 0,
  };
}

/** The score in [0, 1]: 0.5 is the line between a simple task and a complex one. */
export function complexityScore(features: RequestFeatures): number {
  const parts = complexityParts(features);
  let z: number = COMPLEXITY_WEIGHTS.bias;
  for (const name of Object.keys(parts) as (keyof ComplexityParts)[]) z += COMPLEXITY_WEIGHTS[name] * parts[name];
  return Math.round((1 / (1 + Math.exp(-z))) * 1000) / 1000;
}

/** Each part's contribution to the logit, for the log line and for tuning. */
export function explainComplexity(features: RequestFeatures): Record<keyof ComplexityParts | 'bias', number> {
  const parts = complexityParts(features);
  const out = { bias: COMPLEXITY_WEIGHTS.bias } as Record<keyof ComplexityParts | 'bias', number>;
  for (const name of Object.keys(parts) as (keyof ComplexityParts)[]) out[name] = COMPLEXITY_WEIGHTS[name] * parts[name];
  return out;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

function countFences(text: string): number {
  let n = 0;
  for (let at = text.indexOf('```'); at !== -1; at = text.indexOf('```', at + 3)) n++;
  return n;
}

/** Matches of a global regex, up to `cap`. */
function count(pattern: RegExp, text: string, cap: number): number {
  pattern.lastIndex = 0;
  let n = 0;
  while (n < cap && pattern.exec(text) !== null) n++;
  pattern.lastIndex = 0;
  return n;
}

/** Distinct matched words of a global regex, up to `cap`. */
function distinct(pattern: RegExp, text: string, cap: number): number {
  pattern.lastIndex = 0;
  const seen = new Set<string>();
  for (let m = pattern.exec(text); m !== null && seen.size < cap; m = pattern.exec(text)) seen.add(m[0]);
  pattern.lastIndex = 0;
  return seen.size;
}
