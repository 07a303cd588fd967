/**
 * Triton's classification extension: an output requested with `parameters.classification: k`
 * answers as BYTES "value:index[:label]", the k highest values (ties: lower index first) of each
 * batch row (of the whole tensor when the output has no batch axis), labels from the manifest.
 * Values are printed as the shortest decimal that reads back as the same float32 ("3.3").
 */
import { elementCount } from "../tensors/tensors.ts";
import { shortestFloat32 } from "./json-values.ts";
import type { NamedOutput } from "./v1.ts";

const encoder = new TextEncoder();

/** Sort key: NaN ranks below every number. */
const rank = (v: number) => (Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v);

export function classify(output: NamedOutput, count: number, labels?: readonly string[]): NamedOutput {
  const { spec, tensor } = output;
  const values = tensor.values as Float32Array | Int32Array;
  const batched = spec.shape[0] === -1 && tensor.shape.length > 0;
  const rows = batched ? tensor.shape[0]! : 1;
  const width = batched ? elementCount(tensor.shape.slice(1)) : elementCount(tensor.shape);
  const k = Math.min(count, width);
  const show = (v: number) => String(tensor.dtype === "float32" ? shortestFloat32(v) : v);
  const strings: Uint8Array[] = [];
  for (let r = 0; r < rows; r++) {
    const offset = r * width;
    const order = Array.from({ length: width }, (_, i) => i);
    order.sort((a, b) => rank(values[offset + b]!) - rank(values[offset + a]!) || a - b);
    for (const index of order.slice(0, k)) {
      const label = labels?.[index];
      strings.push(encoder.encode(`${show(values[offset + index]!)}:${index}${label ? `:${label}` : ""}`));
    }
  }
  return {
    spec: { ...spec, dtype: "string", shape: batched ? [-1, k] : [k] },
    tensor: { dtype: "string", shape: batched ? [rows, k] : [k], values: strings },
  };
}

/** Applies the requested classifications (output name → class count) to a run's outputs. */
export function classifyOutputs(
  outputs: readonly NamedOutput[],
  counts: Readonly<Record<string, number>> | undefined,
  labels: Readonly<Record<string, readonly string[]>> = {},
): NamedOutput[] {
  if (counts === undefined) return [...outputs];
  return outputs.map((o) => {
    const count = counts[o.spec.name];
    return count === undefined ? o : classify(o, count, labels[o.spec.name]);
  });
}
