/**
 * Output shapes a graph model's signature leaves out (the converter omits what TensorFlow could not
 * infer): learned at load from two warm-up runs on zeros, every variable input dimension set to 2
 * and then 3. A dimension that differs between the runs, or is 0, is variable (-1); the rest are
 * fixed. The rank and dtype are the model's own. Metadata then never claims a scalar (`[]`) for a
 * tensor it does not know. When the model cannot run on zeros, the outputs are marked unknown
 * (`LoadedModel.unknownShapes`): served with a manifest that gives them, not ready without one.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { LoadedModel } from "../../core/models/runtime.ts";
import type { HostTensor, NamedTensors, TensorSpec } from "../../core/tensors/spec.ts";
import { elementCount } from "../../core/tensors/tensors.ts";
import { asDims, asDtype } from "./specs.ts";

function zeros(spec: TensorSpec, n: number): HostTensor {
  const shape = spec.shape.map((d) => (d < 0 ? n : d));
  const count = elementCount(shape);
  switch (spec.dtype) {
    case "string":
      return { dtype: "string", shape, values: Array.from({ length: count }, () => new Uint8Array()) };
    case "bool":
      return { dtype: "bool", shape, values: new Array<boolean>(count).fill(false) };
    case "int32":
      return { dtype: "int32", shape, values: new Int32Array(count) };
    default:
      return { dtype: "float32", shape, values: new Float32Array(count) };
  }
}

export interface LearnedOutputs {
  outputs: TensorSpec[];
  unknownShapes?: NonNullable<LoadedModel["unknownShapes"]>;
}

export async function learnOutputs(
  outputs: readonly tf.ModelTensorInfo[],
  inputs: readonly TensorSpec[],
  run: LoadedModel["run"],
): Promise<LearnedOutputs> {
  const names = outputs.map((o) => o.name);
  const probe = (n: number) => {
    const feeds: NamedTensors = {};
    for (const spec of inputs) feeds[spec.name] = zeros(spec, n);
    return run(feeds, names);
  };
  let runs: NamedTensors[];
  try {
    runs = [await probe(2), await probe(3)];
  } catch (err) {
    return {
      outputs: outputs.map((o) => ({ name: o.name, dtype: asDtype(o.dtype), shape: [] })),
      unknownShapes: {
        outputs: outputs.filter((o) => o.shape === undefined).map((o) => o.name),
        reason: `a warm-up run on zeros to learn it failed: ${(err as Error).message}`,
      },
    };
  }
  const learned = outputs.map((info): TensorSpec => {
    const [a, b] = runs.map((r) => r[info.name]!);
    const shape =
      info.shape !== undefined ? asDims(info.shape) : a!.shape.map((d, i) => (d === 0 || d !== b!.shape[i] ? -1 : d));
    return { name: info.name, dtype: a!.dtype, shape };
  });
  return { outputs: learned };
}
