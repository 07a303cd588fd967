/**
 * The `context` section of a version's manifest: declarative context for any model, no code.
 * It names the raw request fields clients send, the KV lookups built from them (a key template,
 * the fields taken from the stored JSON value with their defaults, freshness and policy), and the
 * feature vector: which request or looked-up fields, through which transforms, in which order,
 * become the model's one input tensor. Checked once at publish and at load (a broken section makes
 * the version not ready, 503), so serving never meets an inconsistent spec.
 */
import * as z from "zod";

const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a name of letters, digits and _");
const ScalarDtype = z.enum(["float32", "int32", "string", "bool"]);
export type ScalarDtype = z.infer<typeof ScalarDtype>;
export type Scalar = number | string | boolean;

/** A raw request field: one scalar per row. */
export const ContextFieldSchema = z
  .object({
    name: Identifier,
    dtype: ScalarDtype,
    /** One scalar per row: always `[-1]` (written for symmetry with tensor specs). */
    shape: z.tuple([z.literal(-1)]).default([-1]),
    description: z.string().optional(),
    /** Inclusive [min, max] for numeric fields; a value outside is a 400 naming the row and field. */
    range: z.tuple([z.number(), z.number()]).optional(),
    /** The values a string field may take; anything else is a 400. */
    vocabulary: z.array(z.string()).min(1).optional(),
  })
  .strict();

/** One field taken from a looked-up JSON object. */
export const LookupFieldSchema = z
  .object({
    name: Identifier,
    dtype: ScalarDtype,
    /** Used when the lookup is missing, future, in error, or stale under the `default` policy. */
    default: z.union([z.number(), z.string(), z.boolean()]),
    description: z.string().optional(),
  })
  .strict();

export const LookupSchema = z
  .object({
    name: Identifier,
    /** KV key template over request fields, e.g. `"user:{user_id}"`, `"route:{origin}-{destination}"`. */
    key: z.string().min(1),
    fields: z.array(LookupFieldSchema).min(1),
    /** Oldest acceptable value, in seconds between its `updated_at` and the request's `as_of`. */
    max_age_s: z.number().positive().optional(),
    /** What a stale value becomes: `default` = the declared defaults; `flag` = the value, flagged stale. */
    stale: z.enum(["default", "flag"]).default("default"),
    /** A required lookup that is missing (or only known after `as_of`) is a 400 naming the key. */
    required: z.boolean().default(false),
    /**
     * The value is a stream entity's buckets (docs/streams.md): each field `<aggregation>_<window>`
     * is computed at the row's `as_of`. Checked against the published stream by `models publish`.
     */
    stream: Identifier.optional(),
    description: z.string().optional(),
  })
  .strict();

export const TransformSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("standardize"), mean: z.number(), std: z.number().positive() }).strict(),
  z.object({ kind: z.literal("log1p") }).strict(),
  z.object({ kind: z.literal("clip"), min: z.number().optional(), max: z.number().optional() }).strict(),
  /** Index of the first boundary greater than the value (0..boundaries.length), like tf bucketize. */
  z.object({ kind: z.literal("bucketize"), boundaries: z.array(z.number()).min(1) }).strict(),
  /** One 0/1 per vocabulary entry (all 0 for a value outside it); must be last. */
  z.object({ kind: z.literal("one_hot"), vocabulary: z.array(z.union([z.string(), z.number()])).min(1) }).strict(),
  /** Position in the vocabulary, or `oov` (default -1) for a value outside it. */
  z
    .object({
      kind: z.literal("index"),
      vocabulary: z.array(z.union([z.string(), z.number()])).min(1),
      oov: z.number().default(-1),
    })
    .strict(),
  /** 1 when the source lookup's defaults were used (missing, future, error, stale by default), else 0; must be first. */
  z.object({ kind: z.literal("missing") }).strict(),
]);
export type Transform = z.infer<typeof TransformSchema>;

export const FeatureSchema = z
  .object({
    /** A request field (`"precipitation"`) or a looked-up field (`"<lookup>.<field>"`). */
    from: z.string().min(1),
    transforms: z.array(TransformSchema).default([]),
  })
  .strict();
export type Feature = z.infer<typeof FeatureSchema>;

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The request fields a key template names, in order. */
export function templateFields(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** The section's fields, without the cross-checks (for documents that extend it). */
export const ContextSpecObject = z
  .object({
    fields: z.array(ContextFieldSchema).min(1),
    /** A string request field holding each row's `as_of` (else the request's `as_of`, else its arrival). */
    as_of_field: z.string().optional(),
    lookups: z.array(LookupSchema).default([]),
    features: z.array(FeatureSchema).min(1),
    /** The model input tensor the feature vector feeds (default: the model's only input). */
    input: z.string().optional(),
  })
  .strict();

export const ContextSpecSchema = ContextSpecObject.superRefine((spec, ctx) => {
  for (const problem of specProblems(spec))
    ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
});
export type ContextSpec = z.infer<typeof ContextSpecSchema>;
export type ContextField = ContextSpec["fields"][number];
export type Lookup = ContextSpec["lookups"][number];

/** A feature's source: a request field, or a field of a lookup. */
export type Source =
  | { kind: "field"; field: ContextField }
  | { kind: "lookup"; lookup: Lookup; field: Lookup["fields"][number] };

export function sourceOf(spec: Pick<ContextSpec, "fields" | "lookups">, from: string): Source | undefined {
  const dot = from.indexOf(".");
  if (dot < 0) {
    const field = spec.fields.find((f) => f.name === from);
    return field && { kind: "field", field };
  }
  const lookup = spec.lookups.find((l) => l.name === from.slice(0, dot));
  const field = lookup?.fields.find((f) => f.name === from.slice(dot + 1));
  return lookup && field && { kind: "lookup", lookup, field };
}

/** Width of a feature in the vector: a one-hot's vocabulary size, else 1. */
export function featureWidth(feature: Feature): number {
  const last = feature.transforms.at(-1);
  return last?.kind === "one_hot" ? last.vocabulary.length : 1;
}

/** Names of the vector's columns, in order (`weather.temp_max`, `weather=sun`, …). */
export function featureNames(spec: ContextSpec): string[] {
  return spec.features.flatMap((f) => {
    const last = f.transforms.at(-1);
    return last?.kind === "one_hot" ? last.vocabulary.map((v) => `${f.from}=${v}`) : [f.from];
  });
}

function specProblems(spec: ContextSpec): Array<{ message: string; path: Array<string | number> }> {
  const problems: Array<{ message: string; path: Array<string | number> }> = [];
  const names = new Set<string>();
  spec.fields.forEach((f, i) => {
    if (names.has(f.name)) problems.push({ message: `duplicate field '${f.name}'`, path: ["fields", i, "name"] });
    names.add(f.name);
    if (f.range && f.dtype !== "float32" && f.dtype !== "int32")
      problems.push({ message: `a range needs a numeric dtype, '${f.name}' is ${f.dtype}`, path: ["fields", i] });
    if (f.range && f.range[0] > f.range[1])
      problems.push({ message: `range [min, max] has min > max`, path: ["fields", i, "range"] });
    if (f.vocabulary && f.dtype !== "string")
      problems.push({ message: `a vocabulary needs dtype string, '${f.name}' is ${f.dtype}`, path: ["fields", i] });
  });
  if (spec.as_of_field !== undefined && spec.fields.find((f) => f.name === spec.as_of_field)?.dtype !== "string")
    problems.push({ message: `as_of_field '${spec.as_of_field}' must name a string field`, path: ["as_of_field"] });
  const lookupNames = new Set<string>();
  spec.lookups.forEach((l, i) => {
    if (lookupNames.has(l.name))
      problems.push({ message: `duplicate lookup '${l.name}'`, path: ["lookups", i, "name"] });
    lookupNames.add(l.name);
    const placeholders = templateFields(l.key);
    if (placeholders.length === 0)
      problems.push({
        message: `key template '${l.key}' names no request field like {id}`,
        path: ["lookups", i, "key"],
      });
    for (const p of placeholders) {
      if (!names.has(p))
        problems.push({
          message: `key template '${l.key}' names '${p}', which is not a field`,
          path: ["lookups", i, "key"],
        });
    }
    l.fields.forEach((f, j) => {
      if (l.stream !== undefined && !/_[1-9][0-9]{0,5}[smhd]$/.test(f.name))
        problems.push({
          message: `a stream lookup's field is <aggregation>_<window> like spam_1h, got '${f.name}'`,
          path: ["lookups", i, "fields", j, "name"],
        });
      if (!defaultFits(f.dtype, f.default))
        problems.push({
          message: `default ${JSON.stringify(f.default)} is not a ${f.dtype}`,
          path: ["lookups", i, "fields", j, "default"],
        });
    });
  });
  spec.features.forEach((feature, i) => {
    const where = ["features", i];
    const source = sourceOf(spec, feature.from);
    if (!source) {
      problems.push({ message: `'${feature.from}' is neither a field nor <lookup>.<field>`, path: [...where, "from"] });
      return;
    }
    let kind: "number" | "string" = source.field.dtype === "string" ? "string" : "number";
    feature.transforms.forEach((t, j) => {
      const at = [...where, "transforms", j];
      if (t.kind === "missing") {
        if (j !== 0 || source.kind !== "lookup")
          problems.push({ message: "'missing' must be the first transform of a looked-up field", path: at });
        kind = "number";
      } else if (t.kind === "one_hot" || t.kind === "index") {
        if (t.kind === "one_hot" && j !== feature.transforms.length - 1)
          problems.push({ message: "'one_hot' must be the last transform", path: at });
        kind = "number";
      } else if (kind === "string") {
        problems.push({
          message: `'${t.kind}' needs a number; map the string with 'index' or 'one_hot' first`,
          path: at,
        });
      }
    });
    if (kind === "string")
      problems.push({
        message: `'${feature.from}' is a string: end its transforms with 'index' or 'one_hot'`,
        path: where,
      });
  });
  return problems;
}

export function defaultFits(dtype: ScalarDtype, value: unknown): boolean {
  switch (dtype) {
    case "float32":
      return typeof value === "number" && Number.isFinite(value);
    case "int32":
      return typeof value === "number" && Number.isInteger(value);
    case "string":
      return typeof value === "string";
    case "bool":
      return typeof value === "boolean";
  }
}
