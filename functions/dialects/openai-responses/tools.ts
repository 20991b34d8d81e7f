import { FREEFORM_PARAMETERS, type ToolChoice, type ToolDefinition } from '../../ir/request.ts';
import { BadParam, isObject, type Json } from '../shared/request-fields.ts';

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Joins a namespace and a tool name into one IR tool name. */
export const NAMESPACE_JOIN = '__';

export interface ParsedTools {
  tools: ToolDefinition[];
  /** Built-in tools (web_search, file_search, local_shell …): a Responses target gets them as sent. */
  builtIn: Json[];
}

function name(tool: Json, p: string): string {
  if (typeof tool.name !== 'string' || !NAME.test(tool.name)) throw new BadParam(`${p}.name must be 1-128 letters, digits, '_', '.' or '-'`, `${p}.name`);
  return tool.name;
}

function description(tool: Json, p: string): { description?: string } {
  if (tool.description === undefined || tool.description === null) return {};
  if (typeof tool.description !== 'string') throw new BadParam(`${p}.description must be a string`, `${p}.description`);
  return { description: tool.description };
}

/**
 * Responses `tools` → IR. Function tools are flat (`{type:'function', name, parameters}`); custom
 * tools take free-form text, optionally constrained by a grammar. For a target that has no
 * free-form tools the grammar is appended to the description so the model still knows the format.
 */
export function parseTools(raw: unknown): ParsedTools | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new BadParam('tools must be an array', 'tools');
  const parsed: ParsedTools = { tools: [], builtIn: [] };
  raw.forEach((tool, i) => {
    const p = `tools[${i}]`;
    if (!isObject(tool)) throw new BadParam(`${p} must be an object`, p);
    if (tool.type === 'namespace') {
      const group = name(tool, p);
      if (!Array.isArray(tool.tools)) throw new BadParam(`${p}.tools must be an array`, `${p}.tools`);
      const members = parseTools(tool.tools.map((member) => member as unknown));
      if (members && members.builtIn.length > 0) throw new BadParam(`${p}.tools may hold function and custom tools only`, `${p}.tools`);
      const about = description(tool, p).description;
      for (const member of members?.tools ?? []) {
        parsed.tools.push({
          ...member,
          name: `${group}${NAMESPACE_JOIN}${member.name}`,
          namespace: { name: group, tool: member.name, ...(about !== undefined ? { description: about } : {}) },
        });
      }
      return;
    }
    if (tool.type === 'function') {
      const parameters = tool.parameters ?? { type: 'object', properties: {} };
      if (!isObject(parameters)) throw new BadParam(`${p}.parameters must be a JSON Schema object`, `${p}.parameters`);
      if (parameters.type !== undefined && parameters.type !== 'object') throw new BadParam(`${p}.parameters must describe an object (type 'object')`, `${p}.parameters.type`);
      if (tool.strict !== undefined && tool.strict !== null && typeof tool.strict !== 'boolean') throw new BadParam(`${p}.strict must be a boolean`, `${p}.strict`);
      parsed.tools.push({ name: name(tool, p), ...description(tool, p), parameters, ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}) });
      return;
    }
    if (tool.type === 'custom') {
      if (tool.format !== undefined && tool.format !== null && !isObject(tool.format)) throw new BadParam(`${p}.format must be an object`, `${p}.format`);
      const format = isObject(tool.format) ? tool.format : undefined;
      const own = description(tool, p).description;
      const shown = grammarDescription(own, format);
      parsed.tools.push({
        name: name(tool, p),
        ...(shown !== undefined ? { description: shown } : {}),
        parameters: FREEFORM_PARAMETERS,
        freeform: { ...(format ? { format } : {}), ...(own !== undefined ? { description: own } : {}) },
      });
      return;
    }
    if (typeof tool.type !== 'string' || tool.type === '') throw new BadParam(`${p}.type must be a string`, `${p}.type`);
    parsed.builtIn.push(tool);
  });
  return parsed;
}

/** `tool_choice`: auto, none, required, a named function or custom tool. Others (allowed_tools, built-in) → undefined. */
export function parseToolChoice(raw: unknown): ToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto' || raw === 'none' || raw === 'required') return { type: raw };
  if (isObject(raw) && (raw.type === 'function' || raw.type === 'custom') && typeof raw.name === 'string') return { type: 'tool', name: irToolName(raw.name, raw.namespace) };
  if (isObject(raw) && typeof raw.type === 'string') return undefined;
  throw new BadParam(`tool_choice must be 'auto', 'none', 'required' or {type:'function', name}`, 'tool_choice');
}

/** The description a target without free-form tools sees: the grammar, when there is one, appended. */
function grammarDescription(description: string | undefined, format: Json | undefined): string | undefined {
  if (!format || format.type !== 'grammar' || typeof format.definition !== 'string') return description;
  const syntax = typeof format.syntax === 'string' ? format.syntax : 'grammar';
  return `${description ?? ''}\n\nPut the raw text in "input". It must follow this ${syntax} grammar:\n${format.definition}`.trim();
}

/** IR tools → Responses `tools` (a Responses target, and the echo in a Response object); namespaced ones regrouped. */
export function toolsToResponses(tools: ToolDefinition[]): Json[] {
  const out: Json[] = [];
  const groups = new Map<string, Json[]>();
  for (const t of tools) {
    if (!t.namespace) {
      out.push(toolToResponses(t));
      continue;
    }
    let members = groups.get(t.namespace.name);
    if (!members) {
      members = [];
      groups.set(t.namespace.name, members);
      out.push({ type: 'namespace', name: t.namespace.name, description: t.namespace.description ?? '', tools: members });
    }
    members.push(toolToResponses({ ...t, name: t.namespace.tool }));
  }
  return out;
}

function toolToResponses(t: ToolDefinition): Json {
  return (
    t.freeform
      ? {
          type: 'custom',
          name: t.name,
          ...(t.freeform.description !== undefined ? { description: t.freeform.description } : {}),
          ...(t.freeform.format ? { format: t.freeform.format } : {}),
        }
      : {
          type: 'function',
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          parameters: t.parameters,
          strict: t.strict ?? false,
        }
  );
}

/** A call's IR tool name → its Responses `name` and `namespace`, as the request's tools say. */
export function callName(name: string, tools: ToolDefinition[] = []): { name: string; namespace?: string } {
  const tool = tools.find((t) => t.name === name);
  return tool?.namespace ? { name: tool.namespace.tool, namespace: tool.namespace.name } : { name };
}

/** A call item's `name` and `namespace` → the IR tool name. */
export function irToolName(name: string, namespace: unknown): string {
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}${NAMESPACE_JOIN}${name}` : name;
}

/** IR tool choice → Responses `tool_choice`. */
export function toolChoiceToResponses(choice: ToolChoice, tools: ToolDefinition[] = []): unknown {
  if (choice.type !== 'tool') return choice.type;
  const custom = tools.find((t) => t.name === choice.name)?.freeform !== undefined;
  return { type: custom ? 'custom' : 'function', ...callName(choice.name, tools) };
}

/** A free-form call's IR arguments (`{"input": …}`) → its raw input; other text as it is. */
export function freeformInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (isObject(parsed) && typeof parsed.input === 'string') return parsed.input;
  } catch {
    // A model that ignored the schema: its text is the input.
  }
  return args;
}
