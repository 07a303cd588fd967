/**
 * Proves TF.js can load and run a model directory before it is published: loads it with the
 * Worker's own loader (src/runtime/tfjs/model.ts: tf.io.fromMemory into loadLayersModel/loadGraphModel)
 * on TF.js' wasm backend (the Worker's default), reads its signature, and runs one zero-filled
 * example. A model the wasm backend cannot run but the cpu backend can is published with a
 * warning (serve it with TFJS_BACKEND=cpu); one neither can run is refused.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import type { HostTensor, NamedTensors, Signature, TensorSpec } from "../../src/core/tensors/spec.ts";
import { type LoadedModel, loadModel } from "../../src/runtime/tfjs/model.ts";
import { CliError } from "./cli-error.ts";
import type { CheckedDir } from "./model-dir.ts";

export interface TfjsCheck {
  /** The model's own inputs and outputs (public name = tensor name), as a manifest signature. */
  signature: Signature;
  /** Outputs whose shape neither the model says nor a warm-up could learn (a manifest must give them). */
  unknownShapes?: { outputs: string[]; reason: string };
  /** The backend the example ran on, and how long it took (undefined when not run). */
  ran?: { backend: "wasm" | "cpu"; ms: number };
  warnings: string[];
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** One example per input: every variable dimension is 1, values are zeros (empty strings, false). */
function zeroExample(spec: TensorSpec): HostTensor {
  const shape = spec.shape.map((d) => (d < 0 ? 1 : d));
  const size = shape.reduce((a, b) => a * b, 1);
  switch (spec.dtype) {
    case "string":
      return { dtype: "string", shape, values: Array.from({ length: size }, () => new Uint8Array(0)) };
    case "bool":
      return { dtype: "bool", shape, values: new Array<boolean>(size).fill(false) };
    case "int32":
      return { dtype: "int32", shape, values: new Int32Array(size) };
    default:
      return { dtype: "float32", shape, values: new Float32Array(size) };
  }
}

async function useBackend(name: "wasm" | "cpu"): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

async function load(checked: CheckedDir): Promise<LoadedModel> {
  const shards = new Map<string, ArrayBuffer>();
  for (const s of checked.model.shards) shards.set(s.path, s.data.slice().buffer as ArrayBuffer);
  try {
    return await loadModel(checked.model.modelJson as unknown as Parameters<typeof loadModel>[0], shards, checked.dir);
  } catch (err) {
    throw new CliError(`refused ${checked.dir}: TF.js cannot load it: ${message(err)}. Nothing was written.`);
  }
}

async function runOnce(model: LoadedModel): Promise<number> {
  const inputs: NamedTensors = {};
  for (const spec of model.inputs) inputs[spec.name] = zeroExample(spec);
  const started = performance.now();
  await model.run(
    inputs,
    model.outputs.map((o) => o.name),
  );
  return performance.now() - started;
}

export async function checkWithTfjs(checked: CheckedDir, options: { run: boolean }): Promise<TfjsCheck> {
  tf.env().set("PROD", true); // no "use tfjs-node" banner, no debug checks
  const warnings: string[] = [];
  let backend: "wasm" | "cpu" = (await useBackend("wasm")) ? "wasm" : "cpu";
  if (backend === "cpu") {
    warnings.push("the wasm backend did not start in Node, so the model was checked on the cpu backend only");
    await useBackend("cpu");
  }
  let model: LoadedModel | undefined = await load(checked);
  try {
    const withTensor = (s: TensorSpec): TensorSpec => ({ ...s, tensor: s.name });
    const signature: Signature = { inputs: model.inputs.map(withTensor), outputs: model.outputs.map(withTensor) };
    if (model.unknownShapes) return { signature, unknownShapes: model.unknownShapes, warnings };
    if (!options.run) return { signature, warnings };
    try {
      return { signature, ran: { backend, ms: await runOnce(model) }, warnings };
    } catch (err) {
      if (backend === "cpu")
        throw new CliError(
          `refused ${checked.dir}: TF.js loads it but cannot run it: ${message(err)}. Nothing was written.`,
        );
      const wasmError = message(err);
      model.dispose();
      model = undefined;
      await useBackend("cpu");
      backend = "cpu";
      model = await load(checked);
      let ms: number;
      try {
        ms = await runOnce(model);
      } catch (cpuErr) {
        throw new CliError(
          `refused ${checked.dir}: TF.js loads it but cannot run it (wasm: ${wasmError}; cpu: ${message(cpuErr)}). Nothing was written.`,
        );
      }
      warnings.push(
        `the wasm backend (the Worker's default) cannot run it (${wasmError}); the cpu backend can: serve it with TFJS_BACKEND = "cpu"`,
      );
      return { signature, ran: { backend, ms }, warnings };
    }
  } finally {
    model?.dispose();
  }
}

/**
 * A manifest's signature must name tensors the model has (the Worker answers 503 otherwise).
 * Graph-model outputs may name any node, so only layers-model outputs are checked.
 */
export function checkManifestSignature(
  dir: string,
  manifestSignature: Signature,
  model: Signature,
  format: string,
): void {
  const check = (specs: TensorSpec[], actual: TensorSpec[], kind: string) => {
    for (const spec of specs) {
      const tensor = spec.tensor ?? spec.name;
      if (!actual.some((a) => a.name === tensor)) {
        throw new CliError(
          `refused ${dir}: its manifest.json names ${kind} tensor '${tensor}', which the model does not have ` +
            `(it has ${actual.map((a) => `'${a.name}'`).join(", ")}). Nothing was written.`,
        );
      }
    }
  };
  check(manifestSignature.inputs, model.inputs, "input");
  if (format === "layers-model") check(manifestSignature.outputs, model.outputs, "output");
}
