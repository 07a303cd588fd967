/**
 * The flights pipeline: raw request fields in (origin, destination, departure, distance),
 * context joined from the store (KV) as known at the request's `as_of` (v1 and RPC `as_of`, v2
 * `parameters.as_of`; default: the start of the departure hour), features built by the module
 * the trainer also uses, and friendly outputs out (delay_probability, delayed, the context used).
 */
import { modelNotReady } from "../../core/errors.ts";
import type { PipelineFactory } from "../../core/pipeline/plugin.ts";
import type { HostTensor, NamedTensors, Signature } from "../../core/tensors/spec.ts";
import { jsonTextTensor } from "../../core/tensors/tensors.ts";
import { parseAsOf, resolveAsOf } from "./as-of.ts";
import { flightRows } from "./capture.ts";
import { batchLookup, contextKeys } from "./context.ts";
import { contextJson, type FeatureResult, rawFeatures, rowShare } from "./features.ts";
import { FEATURE_NAMES } from "./names.ts";
import { FlightsParamsSchema } from "./params.ts";
import { parseFlight } from "./query.ts";

export const FLIGHTS_SIGNATURE: Signature = {
  inputs: [
    { name: "origin", dtype: "string", shape: [-1], description: "IATA code of the departure airport, e.g. SFO" },
    { name: "destination", dtype: "string", shape: [-1], description: "IATA code of the arrival airport" },
    {
      name: "departure",
      dtype: "string",
      shape: [-1],
      description: "scheduled departure, local wall time YYYY-MM-DDTHH:MM",
    },
    { name: "distance", dtype: "float32", shape: [-1], description: "great-circle distance in miles" },
  ],
  outputs: [
    { name: "delay_probability", dtype: "float32", shape: [-1], description: "probability of arriving > 15 min late" },
    { name: "delayed", dtype: "bool", shape: [-1], description: "delay_probability >= the manifest's threshold" },
    {
      name: "context",
      dtype: "string",
      shape: [-1],
      json: true,
      description: "context used from KV as of the prediction time (as_of, lead), and which keys were missing",
    },
  ],
};

const decoder = new TextDecoder();

function column(inputs: NamedTensors, name: string): HostTensor {
  return inputs[name]!;
}

export const flightsPipeline: PipelineFactory = (rawParams, model, label) => {
  const parsed = FlightsParamsSchema.safeParse(rawParams);
  if (!parsed.success)
    throw modelNotReady(`${label}: invalid flights preprocess params (${parsed.error.issues[0]?.message})`);
  const params = parsed.data;
  const input = model.inputs[0];
  const output = model.outputs[0];
  if (model.inputs.length !== 1 || !input || !output) {
    throw modelNotReady(`${label}: the flights pipeline needs a model with one features input`);
  }
  return {
    signature: FLIGHTS_SIGNATURE,
    async prepare(inputs, store, rowName = (i: number) => `row[${i}]`, options = {}) {
      const batch = column(inputs, "origin").shape[0] ?? 0;
      const text = (name: string, i: number) => {
        const t = column(inputs, name);
        return t.text?.[i] ?? decoder.decode((t.values as Uint8Array[])[i]);
      };
      const queries = Array.from({ length: batch }, (_, i) =>
        parseFlight(
          {
            origin: text("origin", i),
            destination: text("destination", i),
            departure: text("departure", i),
            distance: (column(inputs, "distance").values as Float32Array)[i],
          },
          rowName(i),
        ),
      );
      const asOf = options.asOf === undefined ? undefined : parseAsOf(options.asOf, options.asOfField ?? "as_of");
      if (asOf?.kind === "local") queries.forEach((q, i) => resolveAsOf(q, asOf, undefined, rowName(i)));
      const keys = [...new Set(queries.flatMap(contextKeys))];
      const { values, degraded } = await store.getMany(keys);
      const lookup = batchLookup(values);
      const share = rowShare();
      const width = batch > 0 ? FEATURE_NAMES.length : 0;
      const features = new Float32Array(batch * width);
      const { mean, std } = params.scaling;
      const rows: FeatureResult[] = queries.map((q, i) => {
        const r = rawFeatures(q, lookup, params, asOf, rowName(i), share);
        // scaleFeatures, written straight into the batch (each value rounded to float32 once, as before)
        for (let k = 0, at = i * width; k < width; k++)
          features[at + k] = (r.features[k]! - (mean[k] ?? 0)) / (std[k] ?? 1);
        return r;
      });
      // Outputs built only when answered: v2 `outputs` may name a subset (v1 and RPC answer all).
      const wanted = (name: string) => options.outputs === undefined || options.outputs.includes(name);
      return {
        modelInputs: { [input.tensor ?? input.name]: { dtype: "float32", shape: [batch, width], values: features } },
        capture: flightRows(queries, rows, lookup),
        finish(outputs) {
          const p = outputs[output.tensor ?? output.name]!.values as Float32Array;
          const probability = Float32Array.from({ length: batch }, (_, i) => p[i]!);
          const answer: NamedTensors = {
            delay_probability: { dtype: "float32", shape: [batch], values: probability },
          };
          if (wanted("delayed"))
            answer.delayed = {
              dtype: "bool",
              shape: [batch],
              values: Array.from(probability, (v) => v >= params.threshold),
            };
          if (wanted("context"))
            answer.context = jsonTextTensor(
              rows.map((r) => contextJson(r, degraded, share)),
              [batch],
            );
          return answer;
        },
      };
    },
  };
};
