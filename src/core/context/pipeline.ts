/**
 * The declarative context pipeline: what a manifest's `context` section (./spec.ts) becomes, so a
 * model gets point-in-time context from KV with no plug-in code. Per request: validate the raw
 * fields, build every row's keys, read them all in ONE store call (deduplicated across the batch),
 * resolve each lookup's status at the row's `as_of`, and assemble the feature vector.
 */
import { describeValue, invalidInput, modelNotReady } from "../errors.ts";
import type { ContextResult, Pipeline, PrepareOptions } from "../pipeline/plugin.ts";
import type { HostTensor, NamedTensors, Signature, TensorSpec } from "../tensors/spec.ts";
import { jsonTextTensor } from "../tensors/tensors.ts";
import { type LookupOutcome, lookupKey, resolveLookup } from "./lookups.ts";
import { type ContextField, type ContextSpec, featureNames, featureWidth, type Scalar, sourceOf } from "./spec.ts";
import { parseInstant } from "./time.ts";
import { applyTransforms } from "./transforms.ts";

const decoder = new TextDecoder();

export const CONTEXT_OUTPUT = "context";
const INSTANT = "an ISO 8601 instant with Z or an offset, like 2015-06-01T12:00:00Z";

function fieldSpec(f: ContextField): TensorSpec {
  const notes = [
    f.description,
    f.range && `in [${f.range[0]}, ${f.range[1]}]`,
    f.vocabulary && `one of ${f.vocabulary.join(", ")}`,
  ].filter(Boolean);
  return { name: f.name, dtype: f.dtype, shape: [-1], ...(notes.length ? { description: notes.join("; ") } : {}) };
}

/** The public signature: the declared fields in, the model's outputs plus `context` out. */
export function contextSignature(spec: ContextSpec, model: Signature): Signature {
  return {
    inputs: spec.fields.map(fieldSpec),
    outputs: [
      ...model.outputs.map(({ tensor: _internal, ...s }) => s),
      {
        name: CONTEXT_OUTPUT,
        dtype: "string",
        shape: [-1],
        json: true,
        description:
          'Per row, only when asked (v1 "context": true, v2 parameters.context): as_of, each lookup\'s key, status (present, missing, stale, future, error), values used and updated_at, the feature vector, and degraded',
      },
    ],
  };
}

function scalarAt(t: HostTensor, dtype: ContextField["dtype"], i: number): Scalar {
  if (dtype === "string") return t.text?.[i] ?? decoder.decode((t.values as Uint8Array[])[i]);
  if (dtype === "bool") return (t.values as boolean[])[i]!;
  return (t.values as Float32Array | Int32Array)[i]!;
}

function checkField(f: ContextField, value: Scalar, where: string): void {
  if (f.range && typeof value === "number" && !(value >= f.range[0] && value <= f.range[1]))
    throw invalidInput(`${where}: expected a number in [${f.range[0]}, ${f.range[1]}], got ${describeValue(value)}`);
  if (f.vocabulary && typeof value === "string" && !f.vocabulary.includes(value)) {
    const listed = f.vocabulary.length > 12 ? `${f.vocabulary.slice(0, 12).join(", ")}, …` : f.vocabulary.join(", ");
    throw invalidInput(`${where}: expected one of ${listed}, got ${describeValue(value)}`);
  }
}

function asOfOf(spec: ContextSpec, row: Record<string, Scalar>, options: PrepareOptions, where: string): number {
  if (spec.as_of_field !== undefined) {
    const text = row[spec.as_of_field];
    const at = parseInstant(text);
    if (at === undefined)
      throw invalidInput(`${where}.${spec.as_of_field}: expected ${INSTANT}, got ${describeValue(text)}`);
    return at;
  }
  if (options.asOf !== undefined) {
    const at = parseInstant(options.asOf);
    if (at === undefined)
      throw invalidInput(`${options.asOfField ?? "as_of"}: expected ${INSTANT}, got ${describeValue(options.asOf)}`);
    return at;
  }
  return options.now ?? Date.now();
}

export function contextPipeline(spec: ContextSpec, model: Signature, label: string): Pipeline {
  const input = spec.input ? model.inputs.find((s) => s.name === spec.input) : model.inputs[0];
  if (!input || model.inputs.length !== 1) {
    throw modelNotReady(
      `${label}: a context section feeds one model input${spec.input ? `, '${spec.input}' is not the model's only input` : ""}; the model has ${model.inputs.map((s) => `'${s.name}'`).join(", ")}`,
    );
  }
  const width = spec.features.reduce((n, f) => n + featureWidth(f), 0);
  const declared = input.shape.at(-1);
  if (input.dtype !== "float32" || (declared !== undefined && declared > 0 && declared !== width)) {
    throw modelNotReady(
      `${label}: the context section builds ${width} float32 features, the model input '${input.name}' is ${input.dtype} [${input.shape.join(", ")}]`,
    );
  }
  const sources = spec.features.map((f) => sourceOf(spec, f.from)!);
  const lookupAt = sources.map((s) => (s.kind === "lookup" ? spec.lookups.indexOf(s.lookup) : -1));
  const signature = contextSignature(spec, model);
  const keyOf = spec.lookups.map(lookupKey);
  return {
    signature,
    metadata: { context: { ...spec, feature_names: featureNames(spec) } },
    async prepare(inputs: NamedTensors, store, rowName = (i: number) => `row[${i}]`, options: PrepareOptions = {}) {
      const batch = inputs[spec.fields[0]!.name]?.shape[0] ?? 0;
      const rows = Array.from({ length: batch }, (_, i) => {
        const row: Record<string, Scalar> = {};
        for (const f of spec.fields) {
          row[f.name] = scalarAt(inputs[f.name]!, f.dtype, i);
          checkField(f, row[f.name]!, `${rowName(i)}.${f.name}`);
        }
        return row;
      });
      // The request's as_of is parsed once; a per-row field, per row.
      const shared = spec.as_of_field === undefined ? asOfOf(spec, {}, options, "") : undefined;
      const asOf = rows.map((row, i) => shared ?? asOfOf(spec, row, options, rowName(i)));
      const keys = rows.map((row) => keyOf.map((key) => key(row)));
      const unique = [...new Set(keys.flat())];
      const found: ContextResult =
        unique.length > 0 ? await store.getMany(unique) : { values: new Map(), degraded: false };
      // Rows sharing a key and an as_of share its outcome (resolved once per batch).
      const resolved = new Map<string, LookupOutcome>();
      const outcomes = rows.map((_, i) =>
        spec.lookups.map((l, j) => {
          const memo = `${j}\n${asOf[i]}\n${keys[i]![j]}`;
          let outcome = resolved.get(memo);
          if (!outcome) {
            outcome = resolveLookup(l, keys[i]![j]!, found, asOf[i]!);
            resolved.set(memo, outcome);
          }
          if (l.required && (outcome.status === "missing" || outcome.status === "future")) {
            throw invalidInput(
              `${rowName(i)}: required context '${outcome.key}' (lookup '${l.name}') ${outcome.status === "missing" ? "is not in the store" : `was only known after as_of (updated_at ${outcome.updated_at})`}`,
            );
          }
          return outcome;
        }),
      );
      const features = new Float32Array(batch * width);
      let offset = 0;
      rows.forEach((row, i) => {
        spec.features.forEach((feature, k) => {
          const source = sources[k]!;
          const outcome = source.kind === "lookup" ? outcomes[i]![lookupAt[k]!]! : undefined;
          const value = outcome ? outcome.values[source.field.name]! : row[source.field.name]!;
          for (const v of applyTransforms(feature, value, outcome?.defaulted ?? false)) features[offset++] = v;
        });
      });
      // What the model sees (float32), for the rows' context.
      const vectorOf = (i: number) => Array.from(features.subarray(i * width, (i + 1) * width));
      const explain = options.explain === true || (options.outputs?.includes(CONTEXT_OUTPUT) ?? false);
      const rowDegraded = (i: number) =>
        found.failed ? outcomes[i]!.some((o) => found.failed!.has(o.key)) : found.degraded;
      return {
        modelInputs: { [input.tensor ?? input.name]: { dtype: "float32", shape: [batch, width], values: features } },
        capture: () =>
          rows.map((_, i) => ({
            as_of: new Date(asOf[i]!).toISOString(),
            lookups: outcomes[i]!.map((o, j) => ({
              lookup: spec.lookups[j]!.name,
              key: o.key,
              status: o.status,
              updated_at: o.updated_at,
            })),
          })),
        finish(raw) {
          const out: NamedTensors = {};
          for (const s of model.outputs) out[s.name] = raw[s.tensor ?? s.name]!;
          if (explain) {
            out[CONTEXT_OUTPUT] = jsonTextTensor(
              rows.map((_, i) => JSON.stringify(explained(spec, outcomes[i]!, asOf[i]!, vectorOf(i), rowDegraded(i)))),
              [batch],
            );
          }
          return out;
        },
      };
    },
  };
}

function explained(spec: ContextSpec, outcomes: LookupOutcome[], asOf: number, features: number[], degraded: boolean) {
  return {
    as_of: new Date(asOf).toISOString(),
    lookups: Object.fromEntries(
      outcomes.map((o, j) => {
        const { defaulted: _defaulted, ...shown } = o;
        return [spec.lookups[j]!.name, shown];
      }),
    ),
    features,
    degraded,
  };
}
