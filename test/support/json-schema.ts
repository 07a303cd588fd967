/**
 * A small JSON Schema (2020-12) checker for the keywords the OpenAPI document uses, so tests can
 * run request bodies against the published document itself, not against the zod schemas it was
 * generated from. It throws on any keyword it does not know: a keyword it skipped silently would
 * let the document say more than the test checks.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(["description", "examples", "title", "default", "$schema", "summary"]);
const CHECKED = new Set([
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "minItems",
  "maxItems",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "oneOf",
  "anyOf",
  "$ref",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

const hasType = (value: unknown, type: string) =>
  typeOf(value) === type || (type === "number" && typeOf(value) === "integer");

/** Errors of `value` against `schema` (empty = valid); `$ref`s resolve in `root`. */
export function validate(schema: Schema, value: unknown, root: Schema, path = "$"): string[] {
  for (const key of Object.keys(schema)) {
    if (!CHECKED.has(key) && !ANNOTATIONS.has(key))
      throw new Error(`json-schema.ts does not check '${key}' (at ${path})`);
  }
  if (typeof schema.$ref === "string") {
    const target = schema.$ref
      .slice(2)
      .split("/")
      .reduce<unknown>((node, part) => (node as Schema)[part], root) as Schema;
    return validate(target, value, root, path);
  }
  const errors: string[] = [];
  const fail = (what: string) => errors.push(`${path}: ${what}`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [`${path}: expected ${types.join("|")}, got ${typeOf(value)}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) fail(`not one of ${JSON.stringify(schema.enum)}`);
  if ("const" in schema && schema.const !== value) fail(`not ${JSON.stringify(schema.const)}`);
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) fail(`above ${schema.maximum}`);
  }
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength) fail("too short");
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength) fail("too long");
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value))
      fail(`does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      fail(`fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      fail(`more than ${schema.maxItems} items`);
    if (schema.items)
      value.forEach((item, i) => errors.push(...validate(schema.items as Schema, item, root, `${path}[${i}]`)));
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in object)) fail(`missing '${name}'`);
    for (const [name, item] of Object.entries(object)) {
      if (properties[name]) errors.push(...validate(properties[name]!, item, root, `${path}.${name}`));
      else if (schema.additionalProperties === false) fail(`unknown property '${name}'`);
      else if (typeof schema.additionalProperties === "object")
        errors.push(...validate(schema.additionalProperties as Schema, item, root, `${path}.${name}`));
      if (schema.propertyNames) errors.push(...validate(schema.propertyNames as Schema, name, root, `${path} key`));
    }
  }
  if (schema.oneOf) {
    const passing = (schema.oneOf as Schema[]).filter((s) => validate(s, value, root, path).length === 0).length;
    if (passing !== 1) fail(`matches ${passing} of oneOf, expected exactly 1`);
  }
  if (schema.anyOf && !(schema.anyOf as Schema[]).some((s) => validate(s, value, root, path).length === 0))
    fail("matches none of anyOf");
  return errors;
}
