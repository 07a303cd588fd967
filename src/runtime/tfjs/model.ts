/**
 * Loading TF.js models from converter-format artifacts (model.json + weight shards, float32
 * or quantized) and running them with tensor hygiene: every tensor a run creates is disposed
 * before it returns, so `tf.memory().numTensors` is where the request found it. Graph models
 * with control flow or dynamic-shape ops run with `executeAsync` (./graph-ops.ts); output
 * shapes a graph signature leaves out are learned at load (./graph-shapes.ts).
 */

import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { type LayersModel, loadLayersModel } from "@tensorflow/tfjs-layers";
import { modelNotReady } from "../../core/errors.ts";
import type { LoadedModel, ModelRuntime } from "../../core/models/runtime.ts";
import type { HostTensor, ModelFormat, NamedTensors, TensorSpec } from "../../core/tensors/spec.ts";
import { needsExecuteAsync } from "./graph-ops.ts";
import { learnOutputs } from "./graph-shapes.ts";
import { asDims, asDtype } from "./specs.ts";

export { needsExecuteAsync } from "./graph-ops.ts";

interface ModelJson {
  format?: string;
  modelTopology?: Record<string, unknown>;
  weightsManifest?: tf.io.WeightsManifestConfig;
  [key: string]: unknown;
}

export type { LoadedModel } from "../../core/models/runtime.ts";

const decoder = new TextDecoder();

/** The TF.js runtime behind core's ModelRuntime port: model.json + shards in, a LoadedModel out. */
export const tfjsRuntime: ModelRuntime = {
  id: "tfjs",
  async load(files, label) {
    const modelJsonBytes = files.get("model.json");
    if (!modelJsonBytes) throw modelNotReady(`${label}: model.json is missing`);
    const modelJson = parseModelJson(modelJsonBytes, label);
    const shards = new Map<string, ArrayBuffer>();
    for (const path of shardPaths(modelJson)) {
      const bytes = files.get(path);
      if (bytes) shards.set(path, bytes);
    }
    return loadModel(modelJson, shards, label);
  },
};

/** Reads the format of a model.json: its `format` field, else the shape of its topology. */
export function detectFormat(modelJson: ModelJson, label: string): ModelFormat {
  if (modelJson.format === "layers-model" || modelJson.format === "graph-model") return modelJson.format;
  const topology = modelJson.modelTopology ?? {};
  if (Array.isArray(topology.node)) return "graph-model";
  if ("class_name" in topology || "model_config" in topology) return "layers-model";
  throw modelNotReady(`${label}: model.json is neither a layers-model nor a graph-model`);
}

export function parseModelJson(bytes: ArrayBuffer, label: string): ModelJson {
  try {
    const parsed: unknown = JSON.parse(decoder.decode(bytes));
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as ModelJson;
  } catch {
    // fall through to the error below
  }
  throw modelNotReady(`${label}: model.json is not a JSON object`);
}

/** The shard file names a model.json refers to, in the order their bytes concatenate. */
export function shardPaths(modelJson: ModelJson): string[] {
  return (modelJson.weightsManifest ?? []).flatMap((group) => group.paths);
}

export async function loadModel(
  modelJson: ModelJson,
  shards: ReadonlyMap<string, ArrayBuffer>,
  label: string,
): Promise<LoadedModel> {
  const format = detectFormat(modelJson, label);
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson as tf.io.ModelJSON, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const buffers = manifest.flatMap((group) =>
      group.paths.map((path) => {
        const buffer = shards.get(path);
        if (!buffer) throw modelNotReady(`${label}: weight shard '${path}' is missing`);
        return buffer;
      }),
    );
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  });
  try {
    return format === "layers-model"
      ? wrapLayers(await loadLayersModel(tf.io.fromMemory(artifacts)))
      : await wrapGraph(await loadGraphModel(tf.io.fromMemory(artifacts)), needsExecuteAsync(modelJson));
  } catch (err) {
    throw modelNotReady(`${label}: the ${format} could not be loaded (${(err as Error).message})`);
  }
}

/**
 * Layers models are addressed by layer name (`inputNames`/`outputNames`): the symbolic tensor
 * names TF.js reports get a process-wide suffix (`features_1`, …) on every load, so they are
 * not stable across loads. Inputs are fed in the model's order; outputs map to this load's names.
 */
function wrapLayers(model: LayersModel): LoadedModel {
  const spec = (name: string, t: { shape: Array<number | null>; dtype: string }): TensorSpec => ({
    name,
    dtype: asDtype(t.dtype),
    shape: asDims(t.shape),
  });
  return {
    format: "layers-model",
    inputs: model.inputs.map((t, i) => spec(model.inputNames[i]!, t)),
    outputs: model.outputs.map((t, i) => spec(model.outputNames[i]!, t)),
    run: (inputs, outputNames) =>
      runTidy(inputs, outputNames, (feeds, names) => {
        const ordered = model.inputNames.map((name) => feeds[name]!);
        const symbolic = names.map((name) => model.outputs[model.outputNames.indexOf(name)]!.name);
        return model.execute(ordered, symbolic);
      }),
    dispose: () => model.dispose(),
    runtime: "tfjs",
  };
}

async function wrapGraph(model: GraphModel, async: boolean): Promise<LoadedModel> {
  const dispose = () => model.dispose();
  const spec = (t: tf.ModelTensorInfo): TensorSpec => ({
    name: t.name,
    dtype: asDtype(t.dtype),
    shape: asDims(t.shape),
  });
  const run: LoadedModel["run"] = (inputs, outputNames) =>
    async
      ? runAsync(inputs, outputNames, (feeds, names) => model.executeAsync(feeds, [...names]))
      : runTidy(inputs, outputNames, (feeds, names) => model.execute(feeds, [...names]));
  const inputs = model.inputs.map(spec);
  const loaded: LoadedModel = {
    format: "graph-model",
    inputs,
    outputs: model.outputs.map(spec),
    run,
    dispose,
    runtime: "tfjs",
  };
  if (model.outputs.some((t) => t.shape === undefined || t.dtype === undefined)) {
    const learned = await learnOutputs(model.outputs, inputs, run);
    loaded.outputs = learned.outputs;
    if (learned.unknownShapes) loaded.unknownShapes = learned.unknownShapes;
  }
  return loaded;
}

function toTensor(t: HostTensor): tf.Tensor {
  if (t.dtype === "string") return tf.tensor(t.values as Uint8Array[], t.shape, "string");
  if (t.dtype === "bool") return tf.tensor(Uint8Array.from(t.values as boolean[], Number), t.shape, "bool");
  return tf.tensor(t.values as Float32Array | Int32Array, t.shape, t.dtype);
}

async function toHost(t: tf.Tensor): Promise<HostTensor> {
  const shape = [...t.shape];
  switch (t.dtype) {
    case "string":
      return { dtype: "string", shape, values: (await t.bytes()) as Uint8Array[] };
    case "bool":
      return { dtype: "bool", shape, values: Array.from(t.dataSync() as Uint8Array, (v) => v !== 0) };
    case "int32":
      return { dtype: "int32", shape, values: Int32Array.from(t.dataSync() as Int32Array) };
    default:
      return { dtype: "float32", shape, values: Float32Array.from(t.dataSync() as Float32Array) };
  }
}

/**
 * Creates the input tensors and runs the model inside `tf.tidy`, keeping only the outputs,
 * then reads them to host memory and disposes them.
 */
async function runTidy(
  inputs: NamedTensors,
  outputNames: readonly string[],
  execute: (feeds: tf.NamedTensorMap, names: readonly string[]) => tf.Tensor | tf.Tensor[],
): Promise<NamedTensors> {
  const outputs = tf.tidy(() => {
    const feeds: tf.NamedTensorMap = {};
    for (const [name, t] of Object.entries(inputs)) feeds[name] = toTensor(t);
    const result = execute(feeds, outputNames);
    return Array.isArray(result) ? result : [result];
  });
  try {
    const host: NamedTensors = {};
    for (const [i, name] of outputNames.entries()) host[name] = await toHost(outputs[i]!);
    return host;
  } finally {
    tf.dispose(outputs);
  }
}

/**
 * Runs a graph model that needs `executeAsync` (control flow, dynamic shapes): no `tf.tidy` across
 * an await, so the inputs and outputs are disposed here; the executor disposes its intermediates.
 */
async function runAsync(
  inputs: NamedTensors,
  outputNames: readonly string[],
  execute: (feeds: tf.NamedTensorMap, names: readonly string[]) => Promise<tf.Tensor | tf.Tensor[]>,
): Promise<NamedTensors> {
  const feeds: tf.NamedTensorMap = {};
  let outputs: tf.Tensor[] = [];
  try {
    for (const [name, t] of Object.entries(inputs)) feeds[name] = toTensor(t);
    const result = await execute(feeds, outputNames);
    outputs = Array.isArray(result) ? result : [result];
    const host: NamedTensors = {};
    for (const [i, name] of outputNames.entries()) host[name] = await toHost(outputs[i]!);
    return host;
  } finally {
    tf.dispose([...Object.values(feeds), ...outputs]);
  }
}
