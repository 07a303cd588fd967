/**
 * A prepared plan and its executor: the whole model as a list of steps over flat row-major
 * Float32Arrays, with no tensors, engine, scopes or per-op dispatch. Built once per loaded
 * version (./layers-plan.ts, ./graph-plan.ts); `execute` allocates only the buffers of the call,
 * so concurrent calls share nothing but the read-only weights.
 *
 * Arithmetic: every dot product is accumulated in double precision over float32 inputs and
 * weights (each product is exact in double), the activation is applied in double, and the result
 * is rounded once to float32 when stored. TF.js accumulates in float32; docs/performance.md
 * states the bound on the difference.
 */
import type { Unary } from "./activations.ts";

export type Act = "softmax" | Unary;

/** A value of the plan: a buffer slot and its shape without the batch dimension. */
export interface Value {
  slot: number;
  shape: number[];
}

export type Step =
  | {
      op: "dense";
      from: number;
      to: number;
      /** Product of the per-row dims before the last: rows of the matmul per batch row. */
      group: number;
      inDim: number;
      units: number;
      /** [inDim, units] row-major, as TF.js stores a Dense kernel. */
      kernel: Float32Array;
      bias?: Float32Array;
      act: Act;
      /** Every weight is finite, so products with a zero input may be skipped exactly. */
      finite: boolean;
    }
  | { op: "unary"; from: number; to: number; group: number; width: number; act: Act }
  | { op: "concat"; from: number[]; widths: number[]; to: number; group: number }
  | { op: "add"; from: number[]; to: number }
  | { op: "affine"; from: number; to: number; scale: Float64Array; shift: Float64Array };

export interface Plan {
  slots: number;
  inputs: Array<{ name: string } & Value>;
  outputs: Array<{ name: string } & Value>;
  steps: Step[];
  /** Multiply-adds per batch row: the size of a call, to choose between this plan and TF.js. */
  macsPerRow: number;
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Adds a Dense step from slot `from` to slot `to` (kernel [inDim, units] row-major, optional bias)
 * and counts its multiply-adds: `group` matmul rows per batch row.
 */
export function addDense(
  plan: Plan,
  d: {
    from: number;
    to: number;
    group: number;
    inDim: number;
    units: number;
    kernel: Float32Array;
    bias?: Float32Array | undefined;
    act: Act;
  },
): void {
  const { bias, ...rest } = d;
  const finite = d.kernel.every(Number.isFinite) && (bias?.every(Number.isFinite) ?? true);
  plan.steps.push({ op: "dense", ...rest, finite, ...(bias ? { bias } : {}) });
  plan.macsPerRow += d.group * d.inDim * d.units;
}

/** Runs the plan on `rows` rows; `feeds` in the order of `plan.inputs`, answers in the order of `plan.outputs`. */
export function execute(plan: Plan, feeds: readonly Float32Array[], rows: number): Float32Array[] {
  const buffers: Float32Array[] = new Array(plan.slots);
  plan.inputs.forEach((input, i) => {
    buffers[input.slot] = feeds[i]!;
  });
  for (const step of plan.steps) {
    switch (step.op) {
      case "dense": {
        const out = new Float32Array(rows * step.group * step.units);
        dense(buffers[step.from]!, rows * step.group, step, out);
        buffers[step.to] = out;
        break;
      }
      case "unary": {
        const x = buffers[step.from]!;
        const out = new Float32Array(x.length);
        const acc = new Float64Array(step.width);
        for (let r = 0, o = 0; r < rows * step.group; r++, o += step.width) {
          for (let j = 0; j < step.width; j++) acc[j] = x[o + j]!;
          store(acc, 0, step.width, step.act, out, o);
        }
        buffers[step.to] = out;
        break;
      }
      case "concat":
        buffers[step.to] = concat(
          step.from.map((s) => buffers[s]!),
          step.widths,
          rows * step.group,
        );
        break;
      case "add": {
        const parts = step.from.map((s) => buffers[s]!);
        const out = new Float32Array(parts[0]!.length);
        for (let i = 0; i < out.length; i++) {
          let s = 0;
          for (const p of parts) s += p[i]!;
          out[i] = s;
        }
        buffers[step.to] = out;
        break;
      }
      case "affine": {
        const x = buffers[step.from]!;
        const out = new Float32Array(x.length);
        const width = step.scale.length;
        for (let i = 0; i < x.length; i++) out[i] = x[i]! * step.scale[i % width]! + step.shift[i % width]!;
        buffers[step.to] = out;
        break;
      }
    }
  }
  return plan.outputs.map((o) => buffers[o.slot]!);
}

/** Rounds a row of double accumulators through the activation into `out` at `o`. */
function store(acc: Float64Array, base: number, width: number, act: Act, out: Float32Array, o: number): void {
  if (act !== "softmax") {
    for (let j = 0; j < width; j++) out[o + j] = act(acc[base + j]!);
    return;
  }
  let max = -Infinity;
  for (let j = 0; j < width; j++) max = Math.max(max, acc[base + j]!);
  let sum = 0;
  for (let j = 0; j < width; j++) {
    const e = Math.exp(acc[base + j]! - max);
    acc[base + j] = e;
    sum += e;
  }
  for (let j = 0; j < width; j++) out[o + j] = acc[base + j]! / sum;
}

/** y = act(x · kernel + bias), four rows at a time so each weight is read once per four rows. */
function dense(x: Float32Array, rows: number, step: Extract<Step, { op: "dense" }>, out: Float32Array): void {
  const { inDim: n, units: m, kernel: k, bias, act, finite } = step;
  const acc = new Float64Array(4 * m);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    for (let j = 0; j < m; j++) {
      const b = bias ? bias[j]! : 0;
      acc[j] = b;
      acc[m + j] = b;
      acc[2 * m + j] = b;
      acc[3 * m + j] = b;
    }
    const x0 = r * n;
    for (let p = 0; p < n; p++) {
      const a0 = x[x0 + p]!;
      const a1 = x[x0 + n + p]!;
      const a2 = x[x0 + 2 * n + p]!;
      const a3 = x[x0 + 3 * n + p]!;
      if (finite && a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const ko = p * m;
      for (let j = 0; j < m; j++) {
        const w = k[ko + j]!;
        acc[j] = acc[j]! + a0 * w;
        acc[m + j] = acc[m + j]! + a1 * w;
        acc[2 * m + j] = acc[2 * m + j]! + a2 * w;
        acc[3 * m + j] = acc[3 * m + j]! + a3 * w;
      }
    }
    for (let q = 0; q < 4; q++) store(acc, q * m, m, act, out, (r + q) * m);
  }
  for (; r < rows; r++) {
    for (let j = 0; j < m; j++) acc[j] = bias ? bias[j]! : 0;
    const xo = r * n;
    for (let p = 0; p < n; p++) {
      const a = x[xo + p]!;
      if (finite && a === 0) continue;
      const ko = p * m;
      for (let j = 0; j < m; j++) acc[j] = acc[j]! + a * k[ko + j]!;
    }
    store(acc, 0, m, act, out, r * m);
  }
}

/** Concatenation along the last axis of `outer` rows. */
function concat(parts: readonly Float32Array[], widths: readonly number[], outer: number): Float32Array {
  const width = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(outer * width);
  for (let r = 0; r < outer; r++) {
    let o = r * width;
    parts.forEach((part, i) => {
      const w = widths[i]!;
      out.set(part.subarray(r * w, (r + 1) * w), o);
      o += w;
    });
  }
  return out;
}
