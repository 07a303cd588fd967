/**
 * Plans for graph-models made of dense arithmetic: Placeholder, Const, MatMul, BiasAdd, Add/AddV2
 * of a bias vector, _FusedMatMul (BiasAdd plus an optional activation), element-wise activations,
 * ConcatV2 on the last axis and Identity, with a signature naming inputs and outputs (as the
 * converter writes it). Any other op, a control input or a missing weight answers the reason:
 * the model keeps TF.js. Names follow TF.js: signature tensor names without ":0".
 */
import { activation } from "./activations.ts";
import type { Act, Plan, Value } from "./plan.ts";
import { addDense, size } from "./plan.ts";
import type { Weight } from "./weights.ts";

interface NodeJson {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<
    string,
    { b?: boolean; f?: number; list?: { s?: string[] }; shape?: { dim?: Array<{ size?: string }> } }
  >;
}
interface SignatureJson {
  inputs?: Record<string, { name?: string }>;
  outputs?: Record<string, { name?: string }>;
}

const UNARY_OPS: Readonly<Record<string, string>> = {
  Relu: "relu",
  Relu6: "relu6",
  Sigmoid: "sigmoid",
  Tanh: "tanh",
  Elu: "elu",
  Selu: "selu",
  Softplus: "softplus",
  Softsign: "softsign",
  Softmax: "softmax",
};

class Unsupported extends Error {}
const no = (why: string): never => {
  throw new Unsupported(why);
};
const bare = (name: string) => name.replace(/:0$/, "");

/** The plan of a graph-model, or the reason it has none. */
export function graphPlan(
  topology: { node?: NodeJson[] } | undefined,
  signature: SignatureJson | undefined,
  weights: ReadonlyMap<string, Weight>,
): Plan | string {
  try {
    return build(topology?.node ?? [], signature, weights);
  } catch (err) {
    if (err instanceof Unsupported) return err.message;
    throw err;
  }
}

function build(nodes: NodeJson[], signature: SignatureJson | undefined, weights: ReadonlyMap<string, Weight>): Plan {
  const inputs = Object.values(signature?.inputs ?? {}).map((t) => bare(t.name ?? ""));
  const outputs = Object.values(signature?.outputs ?? {}).map((t) => bare(t.name ?? ""));
  if (inputs.length === 0 || outputs.length === 0) no("no signature");
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const plan: Plan = { slots: 0, inputs: [], outputs: [], steps: [], macsPerRow: 0 };
  const values = new Map<string, Value>();
  const fresh = (shape: number[]): Value => ({ slot: plan.slots++, shape });
  for (const name of inputs) {
    const node = byName.get(name) ?? no(`no input node ${name}`);
    if (node.op !== "Placeholder") no(`input ${name} is not a Placeholder`);
    const dims = (node.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
    if (dims.length < 2 || dims[0] !== -1 || !dims.slice(1).every((d) => d > 0)) no(`input ${name}: shape`);
    const value = fresh(dims.slice(1));
    values.set(name, value);
    plan.inputs.push({ name, ...value });
  }
  const constant = (name: string): Weight => {
    const node = byName.get(bare(name));
    return node?.op === "Const" ? (weights.get(node.name) ?? no(`no weight ${name}`)) : no(`${name} is not a Const`);
  };
  const float = (w: Weight) => (w.values instanceof Float32Array ? w.values : no("an integer weight"));

  const visit = (raw: string): Value => {
    if (raw.startsWith("^") || /:[1-9]\d*$/.test(raw)) no(`input ${raw}`);
    const name = bare(raw);
    const known = values.get(name);
    if (known) return known;
    const node = byName.get(name) ?? no(`no node ${name}`);
    const ins = node.input ?? [];
    if (ins.some((i) => i.startsWith("^"))) no(`control input on ${name}`);
    let value: Value;
    if (node.op === "Identity") value = visit(ins[0] ?? no("Identity without input"));
    else if (node.op === "MatMul" || node.op === "_FusedMatMul") value = matmul(node, visit(ins[0]!), ins);
    else if (node.op === "BiasAdd" || node.op === "Add" || node.op === "AddV2") {
      const x = visit(ins[0]!);
      const bias = float(constant(ins[1] ?? no("add without bias")));
      const width = x.shape.at(-1)!;
      if (bias.length !== width) no(`${name}: bias shape`);
      value = fresh(x.shape);
      plan.steps.push({
        op: "affine",
        from: x.slot,
        to: value.slot,
        scale: new Float64Array(width).fill(1),
        shift: Float64Array.from(bias),
      });
    } else if (UNARY_OPS[node.op]) {
      const x = visit(ins[0]!);
      value = fresh(x.shape);
      const act = activation(UNARY_OPS[node.op]) as Act;
      plan.steps.push({
        op: "unary",
        from: x.slot,
        to: value.slot,
        group: size(x.shape.slice(0, -1)),
        width: x.shape.at(-1)!,
        act,
      });
    } else if (node.op === "ConcatV2") {
      const parts = ins.slice(0, -1).map(visit);
      const axisWeight = constant(ins.at(-1)!);
      const axis = Number(axisWeight.values[0]);
      const rank = parts[0]!.shape.length;
      if (axis !== -1 && axis !== rank) no(`${name}: concatenation not on the last axis`);
      if (!parts.every((p) => p.shape.slice(0, -1).join() === parts[0]!.shape.slice(0, -1).join()))
        no(`${name}: shapes`);
      const widths = parts.map((p) => p.shape.at(-1)!);
      value = fresh([...parts[0]!.shape.slice(0, -1), widths.reduce((a, b) => a + b, 0)]);
      plan.steps.push({
        op: "concat",
        from: parts.map((p) => p.slot),
        widths,
        to: value.slot,
        group: size(parts[0]!.shape.slice(0, -1)),
      });
    } else return no(`op ${node.op}`);
    values.set(name, value);
    return value;
  };

  const matmul = (node: NodeJson, x: Value, ins: string[]): Value => {
    if (node.attr?.transpose_a?.b || x.shape.length !== 1) no(`${node.name}: not a plain matmul`);
    const w = constant(ins[1] ?? no("matmul without weights"));
    const transposed = node.attr?.transpose_b?.b === true;
    const [rows, cols] = w.shape.length === 2 ? w.shape : no(`${node.name}: weights not 2-D`);
    const inDim = transposed ? cols! : rows!;
    const units = transposed ? rows! : cols!;
    if (inDim !== x.shape[0]) no(`${node.name}: shapes`);
    const kernel = transposed ? transpose(float(w), rows!, cols!) : float(w);
    let act: Act = activation("linear")!;
    let bias: Float32Array | undefined;
    if (node.op === "_FusedMatMul") {
      const fused = (node.attr?.fused_ops?.list?.s ?? []).map((s) => atob(s));
      if (fused[0] !== "BiasAdd" || fused.length > 2 || ins.length !== 3)
        no(`${node.name}: fused ops ${fused.join(",")}`);
      bias = float(constant(ins[2]!));
      if (bias.length !== units) no(`${node.name}: bias shape`);
      if (fused[1]) act = activation(UNARY_OPS[fused[1]] ?? "") ?? no(`${node.name}: fused ${fused[1]}`);
    }
    const out = fresh([units]);
    addDense(plan, { from: x.slot, to: out.slot, group: 1, inDim, units, kernel, bias, act });
    return out;
  };

  plan.outputs = outputs.map((name) => ({ name, ...visit(name) }));
  return plan;
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}
