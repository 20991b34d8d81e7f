import type { ConverseStreamCommandInput, InferenceConfiguration, SystemContentBlock, ToolUseBlock } from '@aws-sdk/client-bedrock-runtime';
import type { Failure } from '../../ir/failure.ts';
import type { ChatRequest } from '../../ir/request.ts';
import { buildMessages } from './build-messages.ts';
import { isClaude, modelFields } from './model-fields.ts';
import { buildToolConfig } from './tool-config.ts';

/** Answer tokens granted on top of a thinking budget when the caller set no limit. */
export const DEFAULT_ANSWER_TOKENS_WITH_THINKING = 4096;

export interface ConverseRequest {
  input: ConverseStreamCommandInput;
  /** The forced JSON-mode tool, when `responseFormat` asked for JSON. */
  jsonToolName?: string;
}

export type BuildResult = { ok: true; request: ConverseRequest } | { ok: false; failure: Failure };

/**
 * IR request → ConverseStream input. Fails with `unsupported` (before any call) when the request
 * cannot be expressed, e.g. an image given by URL.
 */
export function buildConverseRequest(request: ChatRequest, modelId: string): BuildResult {
  const built = buildMessages(request.messages, { replaySignedReasoning: isClaude(modelId) });
  if (!built.ok) return built;

  const extra = modelFields(modelId, request);
  const thinking = extra.thinkingBudget !== undefined;
  const tools = buildToolConfig(request, built.historyToolNames, thinking);

  const input: ConverseStreamCommandInput = { modelId, messages: built.messages };
  const system: SystemContentBlock[] = request.system.filter((p) => p.text.trim() !== '').map((p) => ({ text: p.text }));
  if (system.length > 0) input.system = system;
  const inferenceConfig = inference(request, extra.thinkingBudget);
  if (Object.keys(inferenceConfig).length > 0) input.inferenceConfig = inferenceConfig;
  if (tools.toolConfig) input.toolConfig = tools.toolConfig;
  if (extra.fields) input.additionalModelRequestFields = extra.fields as NonNullable<ToolUseBlock['input']>;

  return { ok: true, request: tools.jsonToolName ? { input, jsonToolName: tools.jsonToolName } : { input } };
}

/**
 * `inferenceConfig`. Temperature is clamped to Bedrock's 0..1. With thinking on, Claude rejects
 * temperature and top_p and needs `maxTokens` above the budget, so the budget is added on top of
 * the caller's limit (or of a default).
 */
function inference(request: ChatRequest, thinkingBudget: number | undefined): InferenceConfiguration {
  const config: InferenceConfiguration = {};
  if (thinkingBudget !== undefined) config.maxTokens = (request.maxTokens ?? DEFAULT_ANSWER_TOKENS_WITH_THINKING) + thinkingBudget;
  else if (request.maxTokens !== undefined) config.maxTokens = request.maxTokens;
  if (thinkingBudget === undefined) {
    if (request.temperature !== undefined) config.temperature = Math.min(1, Math.max(0, request.temperature));
    if (request.topP !== undefined) config.topP = request.topP;
  }
  if (request.stop && request.stop.length > 0) config.stopSequences = request.stop;
  return config;
}
