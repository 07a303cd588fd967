/**
 * One row out of a batch of host tensors, as the prediction log keeps it: numbers (float32 and
 * int32 as they are, booleans as 0/1) for features and outputs, and JSON-ready values for the
 * raw request fields (text decoded; bytes that are not UTF-8 text as `{"b64": …}`).
 */
import type { HostTensor, NamedTensors } from "../tensors/spec.ts";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The flat values of row `row` of a tensor whose leading dimension is `batch`. */
function slice<T>(values: ArrayLike<T>, row: number, batch: number): T[] {
  const width = batch > 0 ? values.length / batch : 0;
  const length = Math.max(0, Math.trunc(width) || 0); // Array.from's length of `width`
  const out = new Array<T>(length);
  for (let j = 0; j < length; j++) out[j] = values[row * width + j]!;
  return out;
}

/** Each numeric tensor's values for one row, by name (string tensors are left out). */
export function rowNumbers(
  tensors: ReadonlyArray<{ name: string; tensor: HostTensor }>,
  row: number,
  batch: number,
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const { name, tensor } of tensors) {
    if (tensor.dtype === "string") continue;
    // Booleans as 0/1: the row's only (mapping the whole tensor for every row made a batch quadratic).
    out[name] =
      tensor.dtype === "bool"
        ? slice(tensor.values as boolean[], row, batch).map((b) => (b ? 1 : 0))
        : slice(tensor.values as Float32Array, row, batch);
  }
  return out;
}

function text(bytes: Uint8Array): unknown {
  try {
    return decoder.decode(bytes);
  } catch {
    return { b64: btoa(String.fromCharCode(...bytes)) };
  }
}

/** The request's fields of one row (a scalar per row stays a scalar), then its pass-through fields. */
export function rowFields(
  inputs: NamedTensors,
  row: number,
  batch: number,
  passthrough: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, tensor] of Object.entries(inputs)) {
    const values: unknown[] =
      tensor.dtype === "string"
        ? tensor.text
          ? slice(tensor.text, row, batch) // the strings the request sent (their UTF-8 decodes to them)
          : slice(tensor.values as Uint8Array[], row, batch).map(text)
        : slice(tensor.values as ArrayLike<number | boolean>, row, batch);
    out[name] = tensor.shape.length <= 1 ? values[0] : values;
  }
  return { ...out, ...passthrough };
}
