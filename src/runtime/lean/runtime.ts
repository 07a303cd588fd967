/**
 * The lean runtime: small dense models run as a prepared plan of typed-array loops (./plan.ts),
 * with no TF.js engine in the call. At load it reads model.json and the shards itself; a model
 * whose graph it supports (./layers-plan.ts, ./graph-plan.ts) is prepared once into a plan, and
 * every other model is handed to the fallback runtime (TF.js) unchanged.
 *
 * Both by size: a call of more than `maxMacs` multiply-adds (rows x the plan's per-row work) runs
 * on the fallback's own load of the same files, made on first need and kept with the loaded
 * model, because there TF.js' wasm kernels beat JavaScript loops (docs/performance.md). So does a
 * call the plan does not cover (inputs not float32 or not of the planned shape, an output the
 * plan does not name): it answers exactly as TF.js does, errors included.
 */
import type { LoadedModel, ModelRuntime } from "../../core/models/runtime.ts";
import type { HostTensor, ModelFormat, NamedTensors, TensorSpec } from "../../core/tensors/spec.ts";
import { graphPlan } from "./graph-plan.ts";
import { layersPlan } from "./layers-plan.ts";
import { execute, type Plan, size } from "./plan.ts";
import { decodeWeights, type WeightSpec } from "./weights.ts";

/**
 * The largest call (multiply-adds) run by the plan. Measured in Node on wasm-SIMD (bench/lean.ts):
 * the plan runs about 0.4 multiply-adds per ns, TF.js costs about 0.1 ms per call plus its kernels,
 * so they cross near 40k; in workerd TF.js' per-call cost is about twice Node's.
 */
export const LEAN_MAX_MACS = 65_536;

export interface LeanOptions {
  maxMacs?: number;
}

interface ModelJson {
  format?: string;
  modelTopology?: { node?: unknown[]; [key: string]: unknown };
  signature?: { inputs?: Record<string, SigTensor>; outputs?: Record<string, SigTensor> };
  weightsManifest?: Array<{ paths: string[]; weights: WeightSpec[] }>;
}
interface SigTensor {
  name?: string;
  dtype?: string;
  tensorShape?: { dim?: Array<{ size?: string }> };
}

/** What `prepare` makes of an artifact: a plan and the specs TF.js would report, or why not. */
export type Prepared = { plan: Plan; format: ModelFormat; inputs: TensorSpec[]; outputs: TensorSpec[] } | string;

/** Reads an artifact and plans it; never throws (a broken artifact is the fallback's to report). */
export function prepare(files: ReadonlyMap<string, ArrayBuffer>): Prepared {
  try {
    const bytes = files.get("model.json");
    if (!bytes) return "no model.json";
    const json = JSON.parse(new TextDecoder().decode(bytes)) as ModelJson;
    const graph = json.format === "graph-model" || Array.isArray(json.modelTopology?.node);
    // Before decoding any weight: a model with a layer or op the plan lacks (a convnet, say)
    // goes to TF.js without a second copy of its weights.
    const foreign = graph ? foreignOp(json.modelTopology?.node) : foreignLayer(json.modelTopology);
    if (foreign) return foreign;
    const groups = json.weightsManifest ?? [];
    const shards = groups.flatMap((g) => g.paths.map((p) => files.get(p)));
    if (shards.some((s) => s === undefined)) return "a weight shard is missing";
    const weights = decodeWeights(
      groups.flatMap((g) => g.weights),
      concat(shards as ArrayBuffer[]),
    );
    if (!weights) return "a weight of a kind the plan does not decode";
    const plan = graph
      ? graphPlan(json.modelTopology as never, json.signature, weights)
      : layersPlan(json.modelTopology, weights);
    if (typeof plan === "string") return plan;
    const spec = (t: { name: string; shape: number[] }): TensorSpec => ({
      name: t.name,
      dtype: "float32",
      shape: [-1, ...t.shape],
    });
    return {
      plan,
      format: graph ? "graph-model" : "layers-model",
      inputs: plan.inputs.map(spec),
      outputs: graph ? signatureOutputs(json.signature?.outputs ?? {}) : plan.outputs.map(spec),
    };
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
}

const LAYERS = new Set([
  "InputLayer",
  "Dense",
  "Activation",
  "Dropout",
  "Flatten",
  "Reshape",
  "Concatenate",
  "Add",
  "BatchNormalization",
]);
const OPS = new Set([
  "Placeholder",
  "Const",
  "Identity",
  "MatMul",
  "_FusedMatMul",
  "BiasAdd",
  "Add",
  "AddV2",
  "ConcatV2",
  "Relu",
  "Relu6",
  "Sigmoid",
  "Tanh",
  "Elu",
  "Selu",
  "Softplus",
  "Softsign",
  "Softmax",
]);

/** The first layer class the plan lacks, as a reason (the planner checks the rest). */
function foreignLayer(topology: unknown): string | undefined {
  const top = (topology ?? {}) as { model_config?: { config?: unknown }; config?: unknown };
  const config = (top.model_config ?? top).config as { layers?: Array<{ class_name?: string }> } | undefined;
  const found = (config?.layers ?? []).find((l) => !LAYERS.has(String(l.class_name)));
  return found ? `layer class ${found.class_name}` : undefined;
}

/** The first op the plan lacks, as a reason. */
function foreignOp(nodes: unknown[] | undefined): string | undefined {
  const found = (nodes ?? []).find((n) => !OPS.has(String((n as { op?: unknown }).op)));
  return found ? `op ${(found as { op?: unknown }).op}` : undefined;
}

/** Graph outputs as TF.js reports them: the signature's tensor names without ":0", its dtypes and shapes. */
function signatureOutputs(outputs: Record<string, SigTensor>): TensorSpec[] {
  return Object.values(outputs).map((t) => ({
    name: (t.name ?? "").replace(/:0$/, ""),
    dtype:
      t.dtype === "DT_INT32"
        ? "int32"
        : t.dtype === "DT_BOOL"
          ? "bool"
          : t.dtype === "DT_STRING"
            ? "string"
            : "float32",
    shape: (t.tensorShape?.dim ?? []).map((d) => (Number(d.size ?? -1) < 0 ? -1 : Number(d.size))),
  }));
}

function concat(buffers: ArrayBuffer[]): ArrayBuffer {
  if (buffers.length === 1) return buffers[0]!;
  const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

/** The lean runtime in front of `fallback` (TF.js): a plan where one can be made, the fallback otherwise. */
export function leanRuntime(fallback: ModelRuntime, options: LeanOptions = {}): ModelRuntime {
  const maxMacs = options.maxMacs ?? LEAN_MAX_MACS;
  return {
    id: `lean(${fallback.id ?? "fallback"})`,
    async load(files, label) {
      const prepared = prepare(files);
      if (typeof prepared === "string") return fallback.load(files, label);
      const { plan } = prepared;
      // TF.js' own load of the same files, made on first need (a large or unplanned call) and
      // kept with this loaded model; a failed load is forgotten so the next call tries again.
      let tfjs: Promise<LoadedModel> | undefined;
      const heavy = () => {
        if (!tfjs) {
          tfjs = fallback.load(files, label);
          tfjs.catch(() => {
            tfjs = undefined;
          });
        }
        return tfjs;
      };
      return {
        format: prepared.format,
        inputs: prepared.inputs,
        outputs: prepared.outputs,
        runtime: "lean",
        run(inputs, outputNames) {
          const feeds = feedsFor(plan, inputs);
          const picks = outputNames.map((n) => plan.outputs.findIndex((o) => o.name === n));
          if (!feeds || picks.includes(-1) || feeds.rows * plan.macsPerRow > maxMacs)
            return heavy().then((m) => m.run(inputs, outputNames));
          const results = execute(plan, feeds.values, feeds.rows);
          const answer: NamedTensors = {};
          outputNames.forEach((name, i) => {
            const out = plan.outputs[picks[i]!]!;
            answer[name] = { dtype: "float32", shape: [feeds.rows, ...out.shape], values: results[picks[i]!]! };
          });
          return Promise.resolve(answer);
        },
        dispose() {
          tfjs?.then(
            (m) => m.dispose(),
            () => {},
          );
        },
      };
    },
  };
}

/** The plan's feeds when every input is float32 of the planned shape with one batch size. */
function feedsFor(plan: Plan, inputs: NamedTensors): { values: Float32Array[]; rows: number } | undefined {
  let rows: number | undefined;
  const values: Float32Array[] = [];
  for (const input of plan.inputs) {
    const t: HostTensor | undefined = inputs[input.name];
    if (t?.dtype !== "float32" || !(t.values instanceof Float32Array)) return undefined;
    if (t.shape.length !== input.shape.length + 1 || t.shape.slice(1).join() !== input.shape.join()) return undefined;
    if (rows !== undefined && t.shape[0] !== rows) return undefined;
    rows = t.shape[0]!;
    if (t.values.length !== rows * size(input.shape)) return undefined;
    values.push(t.values);
  }
  return rows === undefined || Object.keys(inputs).length !== plan.inputs.length ? undefined : { values, rows };
}
