/**
 * Field checks shared by the ingress parsers. A bad field throws BadParam inside a parser; the
 * parser's entry point turns it into a 400 ClientError naming the parameter.
 */
export class BadParam extends Error {
  readonly param: string | undefined;
  constructor(message: string, param?: string) {
    super(message);
    this.param = param;
  }
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type of a value, for messages ("got an array"). */
/** One SSE event's data as a JSON object; undefined when it is not one (a scanner skips it). */
export function parseJsonObject(data: string): Json | undefined {
  try {
    const value = JSON.parse(data) as unknown;
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

export function optionalNumber(body: Json, key: string, check: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new BadParam(`${key} must be a number, got ${describe(value)}`, key);
  if (check.integer && !Number.isInteger(value)) throw new BadParam(`${key} must be an integer`, key);
  if (check.min !== undefined && value < check.min) throw new BadParam(`${key} must be at least ${check.min}`, key);
  if (check.max !== undefined && value > check.max) throw new BadParam(`${key} must be at most ${check.max}`, key);
  return value;
}
