import type { ChatRequest, ToolDefinition } from '../../ir/request.ts';

/**
 * Stand-in definitions for the tools a history uses when the request declares none. An agent
 * that summarises or compacts a conversation replays its tool calls and results without offering
 * the tools again; Anthropic ("requests which include tool_use or tool_result blocks must define
 * tools"), Bedrock and several OpenAI-compatible servers reject that. The stand-ins carry only the
 * name and an open object schema, and the dialects send them with a "none" tool choice where they
 * have one, so the model reads the history but is not offered a tool the caller never declared.
 * Empty when the request declares tools or the history has no tool calls.
 */
export function historyToolStandIns(request: ChatRequest): ToolDefinition[] {
  if (request.tools && request.tools.length > 0) return [];
  const names = new Set<string>();
  for (const message of request.messages) {
    if (message.role === 'assistant') for (const part of message.content) if (part.type === 'tool-call') names.add(part.name);
    if (message.role === 'tool' && message.toolName) names.add(message.toolName);
  }
  return [...names].map((name) => ({ name, description: STAND_IN_DESCRIPTION, parameters: { type: 'object', properties: {} } }));
}

export const STAND_IN_DESCRIPTION = 'A tool used earlier in this conversation.';
