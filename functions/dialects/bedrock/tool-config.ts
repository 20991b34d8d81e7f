import type { Tool, ToolChoice, ToolConfiguration, ToolUseBlock } from '@aws-sdk/client-bedrock-runtime';
import type { ChatRequest, ToolDefinition } from '../../ir/request.ts';
import { STAND_IN_DESCRIPTION } from '../shared/history-tools.ts';

/** Name of the tool that carries a JSON answer (`responseFormat`), made unique against the caller's tools. */
const JSON_TOOL_BASE = 'json_response';

export interface ToolSetup {
  toolConfig?: ToolConfiguration;
  /** Set in JSON mode: parse-stream turns this tool's input into text. */
  jsonToolName?: string;
}

/**
 * Builds `toolConfig`:
 * - Tool choice: auto → `{auto}`, required → `{any}`, a named tool → `{tool}`. Converse has no
 *   "none": the tools are left out instead; but when the history holds tool calls, Bedrock demands
 *   a toolConfig, so the tools stay and no toolChoice is sent (the model could still call one).
 * - JSON mode (`responseFormat` json / json-schema): a forced tool whose input schema is the wanted
 *   schema; its input is the answer. With other tools present the choice becomes `{any}` (call a
 *   real tool, or answer through the JSON tool). A plain `json` format gets an open object schema:
 *   tool inputs are always JSON objects.
 * - When thinking is on, Claude refuses a forced tool choice: `{any}`/`{tool}` fall back to `{auto}`.
 * - History with tool calls but no tools to send: minimal specs are synthesized from the names in
 *   the history (Bedrock rejects toolUse/toolResult blocks without a toolConfig).
 */
export function buildToolConfig(request: ChatRequest, historyToolNames: Set<string>, thinking: boolean): ToolSetup {
  const choice = request.toolChoice;
  const declared = choice?.type === 'none' ? [] : (request.tools ?? []);
  const tools: Tool[] = declared.map(toolSpec);
  let toolChoice: ToolChoice | undefined;
  let jsonToolName: string | undefined;

  const format = request.responseFormat;
  if (format && format.type !== 'text') {
    jsonToolName = uniqueName(JSON_TOOL_BASE, new Set((request.tools ?? []).map((t) => t.name)));
    const schema = format.type === 'json-schema' ? format.schema : { type: 'object', additionalProperties: true };
    const description = (format.type === 'json-schema' && format.description) || 'Respond with the answer as a JSON object.';
    tools.push(toolSpec({ name: jsonToolName, description, parameters: schema }));
    if (choice?.type === 'tool' && declared.some((t) => t.name === choice.name)) toolChoice = { tool: { name: choice.name } };
    else toolChoice = declared.length > 0 ? { any: {} } : { tool: { name: jsonToolName } };
  } else if (choice?.type === 'auto') toolChoice = { auto: {} };
  else if (choice?.type === 'required') toolChoice = { any: {} };
  else if (choice?.type === 'tool') toolChoice = { tool: { name: choice.name } };

  if (thinking && toolChoice && toolChoice.auto === undefined) toolChoice = { auto: {} };

  if (tools.length === 0) {
    if (historyToolNames.size === 0) return {};
    const known = new Map((request.tools ?? []).map((t) => [t.name, t]));
    for (const name of historyToolNames) {
      tools.push(toolSpec(known.get(name) ?? { name, description: STAND_IN_DESCRIPTION, parameters: { type: 'object', properties: {} } }));
    }
    return { toolConfig: { tools } };
  }
  const toolConfig: ToolConfiguration = toolChoice ? { tools, toolChoice } : { tools };
  return jsonToolName ? { toolConfig, jsonToolName } : { toolConfig };
}

function toolSpec(tool: ToolDefinition): Tool {
  return {
    toolSpec: {
      name: tool.name,
      // Converse rejects an empty description: leave it out instead.
      ...(tool.description ? { description: tool.description } : {}),
      inputSchema: { json: tool.parameters as NonNullable<ToolUseBlock['input']> },
    },
  };
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}
