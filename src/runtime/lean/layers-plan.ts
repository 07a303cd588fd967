/**
 * Plans for layers-models (tfjs-layers' JSON, as the converter or `model.save` writes it): a
 * Functional model (class Model or Functional) of InputLayer, Dense, Activation, Dropout, Flatten, Reshape,
 * Concatenate, Add and BatchNormalization layers, each called once. Anything else (another layer
 * class, a shared layer, channels_first, a missing weight) answers undefined: the model keeps TF.js.
 * Names follow TF.js: inputs and outputs by layer name. Sequential models are left to TF.js: the
 * TF.js wrapper (src/runtime/tfjs/model.ts) reads their names from the outer model, where
 * tfjs-layers 4.22 leaves them unset, and the plan must not answer where TF.js does not.
 */
import { activation } from "./activations.ts";
import type { Plan, Step, Value } from "./plan.ts";
import { addDense, size } from "./plan.ts";
import type { Weight } from "./weights.ts";

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown;
}

type Ref = [string, number, number];

class Unsupported extends Error {}
const no = (why: string): never => {
  throw new Unsupported(why);
};

/** The plan of a layers-model topology, or the reason it has none. */
export function layersPlan(topology: unknown, weights: ReadonlyMap<string, Weight>): Plan | string {
  try {
    return build(topology, weights);
  } catch (err) {
    if (err instanceof Unsupported) return err.message;
    throw err;
  }
}

function build(topology: unknown, weights: ReadonlyMap<string, Weight>): Plan {
  const top = (topology ?? {}) as { model_config?: unknown };
  const model = (top.model_config ?? top) as { class_name?: string; config?: unknown };
  const config = model.config as { layers?: LayerJson[]; input_layers?: Ref[]; output_layers?: Ref[] } | LayerJson[];
  const layers = (Array.isArray(config) ? config : config?.layers) ?? no("no layers");
  if (!Array.isArray(layers) || layers.length === 0) no("no layers");
  const plan: Plan = { slots: 0, inputs: [], outputs: [], steps: [], macsPerRow: 0 };
  const values = new Map<string, Value>();
  const fresh = (shape: number[]): Value => ({ slot: plan.slots++, shape });
  const weight = (layer: string, part: string, shape: number[]): Float32Array => {
    const w = weights.get(`${layer}/${part}`);
    if (!w || !(w.values instanceof Float32Array) || w.shape.join() !== shape.join()) no(`weight ${layer}/${part}`);
    return w!.values as Float32Array;
  };
  const addInput = (name: string, layerConfig: Record<string, unknown>) => {
    const batchShape = (layerConfig.batch_input_shape ?? layerConfig.batch_shape) as Array<number | null> | undefined;
    if (!Array.isArray(batchShape) || batchShape.length < 2) no(`input ${name} has no batch shape`);
    const dims = batchShape!.slice(1);
    if (!dims.every((d) => typeof d === "number" && d > 0)) no(`input ${name} has unknown dims`);
    if ((layerConfig.dtype ?? "float32") !== "float32" || layerConfig.sparse || layerConfig.ragged)
      no(`input ${name} is not dense float32`);
    const value = fresh(dims as number[]);
    values.set(name, value);
    plan.inputs.push({ name, ...value });
  };

  const sequential = model.class_name === "Sequential" || Array.isArray(config);
  if (sequential) no("a Sequential model");
  let previous: string | undefined;
  layers.forEach((layer, index) => {
    const name = layer.name ?? (layer.config.name as string | undefined) ?? no("a layer has no name");
    if (layer.class_name === "InputLayer") return addInput(name, layer.config);
    let inbound: string[];
    if (sequential) {
      if (index === 0) {
        addInput(`${name}_input`, layer.config);
        previous = `${name}_input`;
      }
      inbound = [previous!];
    } else {
      inbound = inboundOf(layer);
    }
    const ins = inbound.map((n) => values.get(n) ?? no(`layer ${name}: unknown input ${n}`));
    values.set(name, layerStep(layer, name, ins, plan, fresh, weight));
    previous = name;
  });

  const outputNames = sequential
    ? [previous ?? no("no layers")]
    : ((config as { output_layers?: Ref[] }).output_layers ?? no("no output_layers")).map((ref) => {
        if (ref[2] !== 0 || ref[1] !== 0) no("an output is not a layer's first output");
        return ref[0];
      });
  if (!sequential) {
    const inputNames = ((config as { input_layers?: Ref[] }).input_layers ?? []).map((r) => r[0]);
    if (inputNames.join() !== plan.inputs.map((i) => i.name).join()) no("input layers out of order");
  }
  if (new Set(outputNames).size !== outputNames.length) no("an output layer is named twice");
  plan.outputs = outputNames.map((n) => ({ name: n, ...(values.get(n) ?? no(`unknown output ${n}`)) }));
  return plan;
}

function inboundOf(layer: LayerJson): string[] {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length !== 1 || !Array.isArray(nodes[0]))
    no(`layer ${layer.name} is shared or not called`);
  return (nodes as unknown[][])[0]!.map((ref) => {
    if (!Array.isArray(ref) || ref[1] !== 0 || ref[2] !== 0) no(`layer ${layer.name}: an input is not a first output`);
    return String((ref as unknown[])[0]);
  });
}

function layerStep(
  layer: LayerJson,
  name: string,
  ins: Value[],
  plan: Plan,
  fresh: (shape: number[]) => Value,
  weight: (layer: string, part: string, shape: number[]) => Float32Array,
): Value {
  const c = layer.config;
  const one = () => (ins.length === 1 ? ins[0]! : no(`layer ${name} takes one input`));
  const push = (step: Step) => plan.steps.push(step);
  switch (layer.class_name) {
    case "Dense": {
      const x = one();
      const inDim = x.shape.at(-1) ?? no(`layer ${name}: scalar input`);
      const units = Number(c.units);
      const act = activation(c.activation) ?? no(`layer ${name}: activation ${String(c.activation)}`);
      const kernel = weight(name, "kernel", [inDim, units]);
      const bias = c.use_bias === false ? undefined : weight(name, "bias", [units]);
      const out = fresh([...x.shape.slice(0, -1), units]);
      const group = size(x.shape.slice(0, -1));
      addDense(plan, { from: x.slot, to: out.slot, group, inDim, units, kernel, bias, act });
      return out;
    }
    case "Activation": {
      const x = one();
      const act = activation(c.activation) ?? no(`layer ${name}: activation ${String(c.activation)}`);
      const out = fresh(x.shape);
      push({
        op: "unary",
        from: x.slot,
        to: out.slot,
        group: size(x.shape.slice(0, -1)),
        width: x.shape.at(-1) ?? 1,
        act,
      });
      return out;
    }
    case "Dropout":
      return one();
    case "Flatten":
      if (c.data_format === "channels_first") no(`layer ${name}: channels_first`);
      return { slot: one().slot, shape: [size(one().shape)] };
    case "Reshape": {
      const x = one();
      const target = (c.target_shape as number[] | undefined) ?? no(`layer ${name}: no target_shape`);
      const known = size(target.filter((d) => d !== -1));
      const shape = target.map((d) => (d === -1 ? size(x.shape) / known : d));
      if (size(shape) !== size(x.shape) || !shape.every((d) => Number.isInteger(d) && d > 0))
        no(`layer ${name}: bad reshape`);
      return { slot: x.slot, shape };
    }
    case "Concatenate": {
      const rank = ins[0]?.shape.length ?? 0;
      const axis = Number(c.axis ?? -1);
      if (ins.length < 2 || (axis !== -1 && axis !== rank)) no(`layer ${name}: concatenation not on the last axis`);
      const prefix = ins[0]!.shape.slice(0, -1).join();
      if (!ins.every((v) => v.shape.length === rank && v.shape.slice(0, -1).join() === prefix))
        no(`layer ${name}: shapes`);
      const widths = ins.map((v) => v.shape.at(-1)!);
      const out = fresh([...ins[0]!.shape.slice(0, -1), widths.reduce((a, b) => a + b, 0)]);
      push({
        op: "concat",
        from: ins.map((v) => v.slot),
        widths,
        to: out.slot,
        group: size(ins[0]!.shape.slice(0, -1)),
      });
      return out;
    }
    case "Add": {
      if (ins.length < 2 || !ins.every((v) => v.shape.join() === ins[0]!.shape.join())) no(`layer ${name}: shapes`);
      const out = fresh(ins[0]!.shape);
      push({ op: "add", from: ins.map((v) => v.slot), to: out.slot });
      return out;
    }
    case "BatchNormalization": {
      const x = one();
      const axis = Array.isArray(c.axis) && c.axis.length === 1 ? Number(c.axis[0]) : Number(c.axis ?? -1);
      if (axis !== -1 && axis !== x.shape.length) no(`layer ${name}: not on the last axis`);
      const width = x.shape.at(-1)!;
      const eps = Number(c.epsilon ?? 1e-3);
      const gamma = c.scale === false ? undefined : weight(name, "gamma", [width]);
      const beta = c.center === false ? undefined : weight(name, "beta", [width]);
      const mean = weight(name, "moving_mean", [width]);
      const variance = weight(name, "moving_variance", [width]);
      const scale = new Float64Array(width);
      const shift = new Float64Array(width);
      for (let j = 0; j < width; j++) {
        scale[j] = (gamma ? gamma[j]! : 1) / Math.sqrt(variance[j]! + eps);
        shift[j] = (beta ? beta[j]! : 0) - mean[j]! * scale[j]!;
      }
      const out = fresh(x.shape);
      push({ op: "affine", from: x.slot, to: out.slot, scale, shift });
      return out;
    }
    default:
      return no(`layer class ${layer.class_name}`);
  }
}
