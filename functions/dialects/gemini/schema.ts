/**
 * JSON Schema → the schema dialect of Gemini's `functionDeclarations[].parameters` (an OpenAPI 3.0
 * subset). Gemini rejects the whole request on a keyword it does not know, so the schema is rebuilt
 * from an allowlist rather than passed through:
 * - kept: type, format (only the ones Gemini accepts for the type), title, description, nullable,
 *   enum (string values only), items, properties, required (only names that are declared), anyOf,
 *   min/max Items/Length/Properties, minimum, maximum, pattern, default, example, propertyOrdering;
 * - converted: `$ref` to `#/$defs/…` or `#/definitions/…` is inlined (a cycle becomes an open
 *   schema), `oneOf` → `anyOf`, a one-element `allOf` is inlined, `type: [T, "null"]` →
 *   `type: T, nullable: true`, a string `const` → a one-value `enum`;
 * - dropped: everything else ($schema, $id, $defs, additionalProperties, not, if/then/else,
 *   patternProperties, exclusiveMinimum/Maximum, examples, …).
 */
type Schema = Record<string, unknown>;

const COPIED = [
  'title',
  'description',
  'nullable',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
  'pattern',
  'default',
  'example',
  'propertyOrdering',
] as const;

const FORMATS: Record<string, ReadonlySet<string>> = {
  string: new Set(['enum', 'date-time']),
  integer: new Set(['int32', 'int64']),
  number: new Set(['float', 'double']),
};

const MAX_DEPTH = 32;

/** Rebuilds a JSON Schema for Gemini's function parameters. */
export function toGeminiSchema(schema: Schema): Schema {
  return convert(schema, schema, new Set(), 0);
}

/**
 * The `parameters` of a function declaration, or undefined when the function takes no arguments:
 * Gemini rejects an OBJECT schema with empty `properties`.
 */
export function toGeminiParameters(schema: Schema): Schema | undefined {
  const converted = toGeminiSchema(schema);
  const properties = converted.properties as Schema | undefined;
  if (converted.type === 'object' && (!properties || Object.keys(properties).length === 0)) return undefined;
  return converted;
}

/** Removes `$schema` (at any depth), which Gemini's `responseJsonSchema` does not accept. */
export function withoutSchemaKeyword(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSchemaKeyword);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== '$schema').map(([key, v]) => [key, withoutSchemaKeyword(v)]));
}

function convert(node: unknown, root: Schema, refs: Set<string>, depth: number): Schema {
  if (!isObject(node) || depth > MAX_DEPTH) return {};
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    const target = resolve(ref, root);
    if (!target || refs.has(ref)) return {};
    const inlined = convert(target, root, new Set([...refs, ref]), depth + 1);
    // Siblings of $ref (a description, usually) win over the target's.
    const { $ref: _ref, ...siblings } = node;
    return { ...inlined, ...convert(siblings, root, refs, depth + 1) };
  }
  if (Array.isArray(node.allOf) && node.allOf.length === 1) {
    const { allOf, ...rest } = node;
    return { ...convert(allOf[0], root, refs, depth + 1), ...convert(rest, root, refs, depth + 1) };
  }

  const out: Schema = {};
  const types = (Array.isArray(node.type) ? node.type : node.type !== undefined ? [node.type] : []).filter((t): t is string => typeof t === 'string');
  const concrete = types.filter((t) => t !== 'null');
  if (types.includes('null')) out.nullable = true;
  if (concrete.length === 1) out.type = concrete[0];

  for (const key of COPIED) if (node[key] !== undefined && (key !== 'nullable' || out.nullable === undefined)) out[key] = node[key];
  const type = typeof out.type === 'string' ? out.type : undefined;
  if (typeof node.format === 'string' && type && FORMATS[type]?.has(node.format)) out.format = node.format;

  if (Array.isArray(node.enum) && node.enum.length > 0 && node.enum.every((v) => typeof v === 'string')) out.enum = node.enum;
  else if (typeof node.const === 'string') out.enum = [node.const];

  if (isObject(node.properties)) {
    const properties: Schema = {};
    for (const [name, value] of Object.entries(node.properties)) properties[name] = convert(value, root, refs, depth + 1);
    out.properties = properties;
    if (Array.isArray(node.required)) {
      const required = node.required.filter((name): name is string => typeof name === 'string' && name in properties);
      if (required.length > 0) out.required = required;
    }
  }
  if (node.items !== undefined) out.items = convert(Array.isArray(node.items) ? node.items[0] : node.items, root, refs, depth + 1);

  const variants = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : concrete.length > 1 ? concrete.map((t) => ({ type: t })) : undefined;
  if (variants) out.anyOf = variants.map((v) => convert(v, root, refs, depth + 1));
  return out;
}

function resolve(ref: string, root: Schema): unknown {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return undefined;
  const defs = root[match[1]!];
  return isObject(defs) ? defs[decodeURIComponent(match[2]!).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
