import type { Config } from '../config/schema.ts';
import { clientError, type ClientError } from '../ir/client-error.ts';

/** The bounds a parsed request body must keep (config `limits`). */
export type ShapeLimits = Pick<Config['limits'], 'maxJsonDepth' | 'maxMessages' | 'maxTools' | 'maxArrayItems' | 'maxStringChars'>;

/**
 * Refuses, before any attempt, a body that cannot be a valid request but could hurt an upstream
 * (a 10,000-level nesting once reset one and opened its breaker for everybody) or the proxy's own
 * translation: too deep, too many messages or tools, an array or a string too large. The walk is
 * iterative, so no depth can overflow the stack here. Undefined when the shape is fine.
 */
export function checkRequestShape(body: unknown, limits: ShapeLimits): ClientError | undefined {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const fields = body as Record<string, unknown>;
    for (const [param, limit, setting] of [
      ['messages', limits.maxMessages, 'maxMessages'],
      ['input', limits.maxMessages, 'maxMessages'],
      ['tools', limits.maxTools, 'maxTools'],
    ] as const) {
      const value = fields[param];
      if (Array.isArray(value) && value.length > limit) return refuse(`"${param}" holds ${value.length} items; the proxy accepts at most ${limit} (limits.${setting})`, param);
    }
  }
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > limits.maxStringChars) return refuse(`a string of ${value.length} characters exceeds limits.maxStringChars (${limits.maxStringChars})`);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limits.maxJsonDepth) return refuse(`the request nests deeper than ${limits.maxJsonDepth} levels (limits.maxJsonDepth)`);
    const children = Array.isArray(value) ? value : Object.values(value);
    if (children.length > limits.maxArrayItems) return refuse(`an array or object of ${children.length} items exceeds limits.maxArrayItems (${limits.maxArrayItems})`);
    for (const child of children) if (typeof child === 'object' || typeof child === 'string') stack.push([child, depth + 1]);
  }
  return undefined;
}

function refuse(message: string, param?: string): ClientError {
  return clientError(400, 'invalid_request', message, { code: 'request_shape', ...(param ? { param } : {}) });
}
