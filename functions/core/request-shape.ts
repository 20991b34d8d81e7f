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
  // Two parallel stacks (values, their depths) and no per-node arrays: the walk costs a fraction of
  // the JSON.parse before it even for a 100 KB agent conversation. Strings are leaves: checked
  // where they are found, never pushed.
  const values: object[] = [];
  const depths: number[] = [];
  if (typeof body === 'string') return body.length > limits.maxStringChars ? longString(body, limits) : undefined;
  if (typeof body === 'object' && body !== null) {
    values.push(body);
    depths.push(1);
  }
  while (values.length > 0) {
    const value = values.pop()!;
    const depth = depths.pop()!;
    if (depth > limits.maxJsonDepth) return refuse(`the request nests deeper than ${limits.maxJsonDepth} levels (limits.maxJsonDepth)`);
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayItems) return tooMany(value.length, limits);
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (typeof child === 'string') {
          if (child.length > limits.maxStringChars) return longString(child, limits);
        } else if (typeof child === 'object' && child !== null) {
          values.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    let items = 0;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (++items > limits.maxArrayItems) return tooMany(Object.keys(value).length, limits);
      const child: unknown = (value as Record<string, unknown>)[key];
      if (typeof child === 'string') {
        if (child.length > limits.maxStringChars) return longString(child, limits);
      } else if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

function longString(value: string, limits: ShapeLimits): ClientError {
  return refuse(`a string of ${value.length} characters exceeds limits.maxStringChars (${limits.maxStringChars})`);
}

function tooMany(count: number, limits: ShapeLimits): ClientError {
  return refuse(`an array or object of ${count} items exceeds limits.maxArrayItems (${limits.maxArrayItems})`);
}

function refuse(message: string, param?: string): ClientError {
  return clientError(400, 'invalid_request', message, { code: 'request_shape', ...(param ? { param } : {}) });
}
