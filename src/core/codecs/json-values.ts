/**
 * Host tensors → JSON values. Floats are printed with the shortest decimal that reads
 * back as the same float32 (as TF Serving does), so answers are compact and stable.
 */

import type { HostTensor, TensorSpec } from "../tensors/spec.ts";
import { encodeBase64 } from "../tensors/tensors.ts";

/** A JSON value: what v1 predictions and v2 tensor data hold (the RPC contract's `Json`). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Shortest decimal that rounds to the same float32. Deterministic on every isolate. */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 1; p < 9; p++) {
    const candidate = Number(x.toPrecision(p));
    if (Math.fround(candidate) === x) return candidate;
  }
  return Number(x.toPrecision(9));
}

function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Flat JSON leaves of a tensor.
 * - `v1`: strings of outputs named `*_bytes`, and strings that are not UTF-8, become `{"b64": …}`
 *   (TF Serving's convention); JSON outputs become the parsed value.
 * - `v2`: strings are text (BYTES in the JSON encoding), floats are numbers.
 */
export function jsonLeaves(t: HostTensor, spec: Pick<TensorSpec, "name" | "json">, mode: "v1" | "v2"): Json[] {
  switch (t.dtype) {
    case "float32":
      return Array.from(t.values as Float32Array, shortestFloat32);
    case "int32":
      return Array.from(t.values as Int32Array);
    case "bool":
      return [...(t.values as boolean[])];
    case "string":
      // JSON written by a pipeline (HostTensor.jsonText): v2 answers the text, v1 its value.
      if (t.jsonText && spec.json && !(mode === "v1" && spec.name.endsWith("_bytes")))
        return mode === "v2" ? [...t.jsonText] : t.jsonText.map((text) => JSON.parse(text) as Json);
      return (t.values as Uint8Array[]).map((bytes) => {
        const text = decodeText(bytes);
        if (mode === "v2") return text ?? encodeBase64(bytes);
        if (text === undefined || spec.name.endsWith("_bytes")) return { b64: encodeBase64(bytes) };
        return spec.json ? JSON.parse(text) : text;
      });
  }
}

/** Arrays of arrays … of `T`. */
export type NestedArray<T> = Array<T | NestedArray<T> | null>;

/** Re-nests row-major leaves into arrays of `shape` (a scalar shape gives the single leaf). */
export function nest<T = Json>(leaves: readonly T[], shape: readonly number[]): T | NestedArray<T> | null {
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((n, d) => n * d, 1));
  const build = (offset: number, axis: number): T | NestedArray<T> | null =>
    axis === shape.length
      ? (leaves[offset] ?? null)
      : Array.from({ length: shape[axis] ?? 0 }, (_, i) => build(offset + i * (strides[axis] ?? 1), axis + 1));
  return build(0, 0);
}
