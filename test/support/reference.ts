/** The fixture models' reference outputs, computed in Node by @tensorflow/tfjs (model/fixtures). */
import reference from "../fixtures/reference.json" with { type: "json" };

export interface ReferenceCase {
  name: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}
export interface ReferenceModel {
  name: string;
  version: number;
  format: string;
  /** False when the outputs have no batch axis (so v1 row format cannot answer them). */
  rows?: boolean;
  cases: ReferenceCase[];
}

export const REFERENCE = reference as unknown as { tolerance: number; models: ReferenceModel[] };

/** Shape of a nested array (row-major). */
export function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

/** Element-wise comparison of nested numeric arrays to an absolute tolerance. */
export function expectClose(actual: unknown, expected: unknown, tolerance: number, path = "$"): void {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      throw new Error(
        `${path}: expected an array of length ${expected.length}, got ${JSON.stringify(actual)?.slice(0, 80)}`,
      );
    }
    expected.forEach((e, i) => expectClose(actual[i], e, tolerance, `${path}[${i}]`));
    return;
  }
  if (typeof expected === "number") {
    if (typeof actual !== "number" || Math.abs(actual - expected) > tolerance) {
      throw new Error(`${path}: expected ${expected} ± ${tolerance}, got ${JSON.stringify(actual)}`);
    }
    return;
  }
  if (actual !== expected)
    throw new Error(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
