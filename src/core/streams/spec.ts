/**
 * A stream declaration (docs/streams.md): the events a feed sends to
 * `POST /v2/streams/{stream}/events`, and the windowed aggregations they feed. Published as a
 * document like a model's pointer record (`stream:<name>` in the REGISTRY namespace, written by
 * `npm run streams -- publish`), so the event route, the model publisher and the CLI read one text.
 *
 *   {"name": "mail", "id_field": "id", "time_field": "at", "lateness": "10m",
 *    "fields": [{"name": "sender", "dtype": "string"}, {"name": "spam", "dtype": "bool"}, …],
 *    "entities": [{"name": "sender", "key": "sender:{sender}"}],
 *    "aggregations": [{"name": "spam", "entity": "sender", "function": "count",
 *                      "filter": {"field": "spam", "equals": true}, "windows": ["1h", "24h"], "bucket": "1m"}]}
 *
 * Each entity's KV key is `s:<stream>:` + its template filled from the event; a model's manifest
 * reads it with a lookup `{"stream": "mail", "key": "s:mail:sender:{from}", "fields": [{"name": "spam_1h", …}]}`.
 */
import * as z from "zod";
import { templateFields } from "../context/spec.ts";

const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a name of letters, digits and _");
const UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([1-9][0-9]{0,5})(s|m|h|d)$/;

/** Milliseconds of a duration like `30s`, `10m`, `1h`, `7d`; undefined for anything else. */
export function durationMs(text: unknown): number | undefined {
  const m = typeof text === "string" ? DURATION.exec(text) : null;
  return m ? Number(m[1]) * UNITS[m[2] as keyof typeof UNITS] : undefined;
}

const Duration = z.string().refine((s) => durationMs(s) !== undefined, "a duration like 30s, 10m, 1h or 7d");
export const FUNCTIONS = ["count", "sum", "mean", "min", "max", "last", "distinct"] as const;
export type AggFunction = (typeof FUNCTIONS)[number];
/**
 * Where a window ends (core/streams/window.ts): `as_of` (the default) at the request's as_of,
 * leaving out partial buckets; `bucket` at the last bucket boundary at or before as_of, whole.
 */
export const ALIGNS = ["as_of", "bucket"] as const;
export type Align = (typeof ALIGNS)[number];

export const StreamFieldSchema = z
  .object({
    name: Identifier,
    dtype: z.enum(["float32", "int32", "string", "bool"]),
    optional: z.boolean().default(false),
  })
  .strict();

export const AggregationSchema = z
  .object({
    name: Identifier,
    /** The entity (of `entities`) whose value holds it. */
    entity: Identifier,
    function: z.enum(FUNCTIONS),
    /** The event field read (every function but `count`). */
    field: Identifier.optional(),
    /** Only events whose field equals the value count. */
    filter: z
      .object({ field: Identifier, equals: z.union([z.string(), z.number(), z.boolean()]) })
      .strict()
      .optional(),
    windows: z.array(Duration).min(1).max(8),
    bucket: Duration,
    /** Where windows end (default `as_of`); `bucket`: at the last bucket boundary, events on it included. */
    align: z.enum(ALIGNS).optional(),
  })
  .strict();

export const StreamSchema = z
  .object({
    name: Identifier,
    description: z.string().optional(),
    fields: z.array(StreamFieldSchema).min(1),
    id_field: Identifier,
    /** An ISO 8601 instant: when the event's fact became known (its event time). */
    time_field: Identifier,
    /** How far behind an entity's newest event an event may be and still count. */
    lateness: Duration,
    entities: z.array(z.object({ name: Identifier, key: z.string().min(1) }).strict()).min(1),
    aggregations: z.array(AggregationSchema).min(1),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const p of streamProblems(s)) ctx.addIssue({ code: "custom", message: p.message, path: p.path });
  });
export type Stream = z.infer<typeof StreamSchema>;
export type Aggregation = Stream["aggregations"][number];

/** The KV key prefix of a stream's entity values. */
export const entityKeyPrefix = (stream: string) => `s:${stream}:`;

/** The name of an aggregation's window as a lookup field: `spam` over `1h` is `spam_1h`. */
export const windowFieldName = (aggregation: string, window: string) => `${aggregation}_${window}`;

function streamProblems(s: z.infer<typeof StreamSchema>): Array<{ message: string; path: Array<string | number> }> {
  const out: Array<{ message: string; path: Array<string | number> }> = [];
  const fields = new Map(s.fields.map((f) => [f.name, f]));
  if (fields.size !== s.fields.length) out.push({ message: "field names must be unique", path: ["fields"] });
  if (fields.get(s.id_field)?.dtype !== "string")
    out.push({ message: `id_field '${s.id_field}' must name a string field`, path: ["id_field"] });
  if (fields.get(s.time_field)?.dtype !== "string")
    out.push({
      message: `time_field '${s.time_field}' must name a string field (ISO 8601 instants)`,
      path: ["time_field"],
    });
  const entities = new Set<string>();
  s.entities.forEach((e, i) => {
    if (entities.has(e.name)) out.push({ message: `duplicate entity '${e.name}'`, path: ["entities", i, "name"] });
    entities.add(e.name);
    const names = templateFields(e.key);
    if (names.length === 0)
      out.push({ message: `key template '${e.key}' names no event field like {id}`, path: ["entities", i, "key"] });
    for (const n of names) {
      const f = fields.get(n);
      if (!f)
        out.push({
          message: `key template '${e.key}' names '${n}', which is not a field`,
          path: ["entities", i, "key"],
        });
      else if (f.optional)
        out.push({ message: `key template '${e.key}' names optional field '${n}'`, path: ["entities", i, "key"] });
    }
  });
  const aggs = new Set<string>();
  s.aggregations.forEach((a, i) => {
    const at = ["aggregations", i];
    if (aggs.has(a.name)) out.push({ message: `duplicate aggregation '${a.name}'`, path: [...at, "name"] });
    aggs.add(a.name);
    if (!entities.has(a.entity)) out.push({ message: `entity '${a.entity}' is not declared`, path: [...at, "entity"] });
    if (a.function === "count" && a.field !== undefined)
      out.push({ message: "count reads no field (use a filter to count some events)", path: [...at, "field"] });
    if (a.function !== "count") {
      const f = a.field === undefined ? undefined : fields.get(a.field);
      if (!f) out.push({ message: `${a.function} needs 'field', an event field`, path: [...at, "field"] });
      else if (a.function !== "last" && a.function !== "distinct" && (f.dtype === "string" || f.dtype === "bool"))
        out.push({ message: `${a.function} needs a numeric field, '${f.name}' is ${f.dtype}`, path: [...at, "field"] });
    }
    if (a.filter && !fields.has(a.filter.field))
      out.push({ message: `filter field '${a.filter.field}' is not a field`, path: [...at, "filter", "field"] });
    const bucket = durationMs(a.bucket)!;
    a.windows.forEach((w, j) => {
      const ms = durationMs(w);
      if (ms !== undefined && ms % bucket !== 0)
        out.push({ message: `window ${w} is not a whole number of ${a.bucket} buckets`, path: [...at, "windows", j] });
      if (ms !== undefined && ms / bucket > 2000)
        out.push({
          message: `window ${w} spans more than 2000 buckets of ${a.bucket}: use a larger bucket`,
          path: [...at, "windows", j],
        });
    });
  });
  return out;
}
