import type { Failure } from '../../ir/failure.ts';
import type { ChatRequest } from '../../ir/request.ts';
import { thinkingBudget } from '../shared/reasoning-budget.ts';
import { buildContents } from './build-contents.ts';
import { toGeminiParameters, withoutSchemaKeyword } from './schema.ts';
import type { GeminiFunctionDeclaration, GeminiGenerationConfig, GeminiRequest } from './wire-types.ts';

/** Gemini refuses more stop sequences than this. */
export const MAX_STOP_SEQUENCES = 5;

export type BuildResult = { ok: true; body: GeminiRequest } | { ok: false; failure: Failure };

/** IR request → a `streamGenerateContent` body; `unsupported` (before any call) when Gemini cannot express it. */
export function buildGeminiRequest(request: ChatRequest): BuildResult {
  if (request.stop && request.stop.length > MAX_STOP_SEQUENCES) {
    return { ok: false, failure: { kind: 'unsupported', message: `Gemini accepts at most ${MAX_STOP_SEQUENCES} stop sequences`, param: 'stop' } };
  }
  const built = buildContents(request.messages);
  if (!built.ok) return built;

  const body: GeminiRequest = { contents: built.contents };
  const system = request.system.filter((p) => p.text.trim() !== '').map((p) => ({ text: p.text }));
  if (system.length > 0) body.systemInstruction = { parts: system };
  const config = generationConfig(request);
  if (Object.keys(config).length > 0) body.generationConfig = config;

  const tools = request.tools ?? [];
  if (tools.length > 0) {
    body.tools = [{ functionDeclarations: tools.map(declaration) }];
    const choice = request.toolChoice;
    if (choice?.type === 'auto') body.toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
    else if (choice?.type === 'none') body.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
    else if (choice?.type === 'required') body.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
    else if (choice?.type === 'tool') body.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
  }
  return { ok: true, body };
}

/**
 * `generationConfig`. Temperature is clamped to Gemini's 0..2. JSON mode is native: a response MIME
 * type, plus `responseJsonSchema` (which takes JSON Schema itself, minus `$schema`) for a schema.
 */
function generationConfig(request: ChatRequest): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = Math.min(2, Math.max(0, request.temperature));
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.stop && request.stop.length > 0) config.stopSequences = request.stop;
  if (request.seed !== undefined) config.seed = request.seed;
  const format = request.responseFormat;
  if (format?.type === 'json') config.responseMimeType = 'application/json';
  else if (format?.type === 'json-schema') {
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = withoutSchemaKeyword(format.schema) as Record<string, unknown>;
  }
  if (request.reasoning) {
    const budget = thinkingBudget(request.reasoning);
    config.thinkingConfig = { thinkingBudget: budget, includeThoughts: true };
  }
  return config;
}

function declaration(tool: NonNullable<ChatRequest['tools']>[number]): GeminiFunctionDeclaration {
  const out: GeminiFunctionDeclaration = { name: tool.name };
  if (tool.description) out.description = tool.description;
  const parameters = toGeminiParameters(tool.parameters);
  if (parameters) out.parameters = parameters;
  return out;
}
