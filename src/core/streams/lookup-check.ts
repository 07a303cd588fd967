/**
 * Whether a manifest lookup with `"stream"` fits the published stream (checked by
 * `npm run models -- publish`, docs/streams.md): its key is one entity's KV key (`s:<stream>:` +
 * the entity's template, placeholders renamed to request fields as needed), and each field
 * `<aggregation>_<window>` names an aggregation of that entity, one of its windows, and a dtype
 * the function gives.
 */
import type { Lookup } from "../context/spec.ts";
import { windowField } from "../context/windowed.ts";
import { durationMs, entityKeyPrefix, type Stream } from "./spec.ts";

const literals = (template: string) => template.split(/\{[^{}]*\}/);

export function streamLookupProblems(lookup: Lookup, stream: Stream): string[] {
  const where = `lookup '${lookup.name}'`;
  if (lookup.stream !== stream.name) return [`${where} reads stream '${lookup.stream}', not '${stream.name}'`];
  const texts = JSON.stringify(literals(lookup.key));
  const entity = stream.entities.find((e) => JSON.stringify(literals(entityKeyPrefix(stream.name) + e.key)) === texts);
  if (!entity) {
    const keys = stream.entities.map((e) => `'${entityKeyPrefix(stream.name)}${e.key}'`).join(", ");
    return [`${where}: key '${lookup.key}' is not an entity key of stream '${stream.name}' (${keys})`];
  }
  const fields = new Map(stream.fields.map((f) => [f.name, f]));
  const problems: string[] = [];
  for (const f of lookup.fields) {
    const [name, ms] = windowField(f.name) ?? ["", 0];
    const agg = stream.aggregations.find((a) => a.name === name && a.entity === entity.name);
    if (!agg) {
      problems.push(
        `${where}.${f.name}: stream '${stream.name}' has no aggregation '${name}' of entity '${entity.name}'`,
      );
      continue;
    }
    if (!agg.windows.some((w) => durationMs(w) === ms))
      problems.push(`${where}.${f.name}: aggregation '${name}' has windows ${agg.windows.join(", ")}`);
    const source = agg.field === undefined ? undefined : fields.get(agg.field)?.dtype;
    const gives: Array<string | undefined> =
      agg.function === "count" || agg.function === "distinct"
        ? ["int32", "float32"]
        : agg.function === "last"
          ? source === "int32"
            ? ["int32", "float32"]
            : [source]
          : agg.function === "mean" || source === "float32"
            ? ["float32"]
            : ["int32", "float32"];
    if (!gives.includes(f.dtype))
      problems.push(
        `${where}.${f.name}: ${agg.function} of ${agg.field ?? "events"} gives ${gives.join(" or ")}, not ${f.dtype}`,
      );
  }
  return problems;
}
