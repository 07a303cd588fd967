/**
 * Triton's classification extension (docs/protocol/extension_classification.md in
 * triton-inference-server/server): an output asked for with `parameters.classification: k` comes
 * back as BYTES "value:index[:label]", the k highest values per batch row. Expected strings are
 * Triton's own documented example, written out by hand.
 */
import { describe, expect, it } from "vitest";
import { classify } from "../../src/core/codecs/classification.ts";
import { decodeV2 } from "../../src/core/codecs/v2.ts";
import type { Signature } from "../../src/core/tensors/spec.ts";
import { DEFAULT_LIMITS } from "../../src/core/tensors/tensors.ts";
import { errorOf } from "../support/errors.ts";

const text = (values: unknown) => (values as Uint8Array[]).map((b) => new TextDecoder().decode(b));
const f32 = (shape: number[], values: number[], batched = true) => ({
  spec: { name: "output0", dtype: "float32" as const, shape: batched ? [-1, ...shape.slice(1)] : shape },
  tensor: { dtype: "float32" as const, shape, values: Float32Array.from(values) },
});

describe("classify", () => {
  it("answers Triton's documented example: [1.1, 3.3, 0.5, 2.4], top 2 → 3.3:1, 2.4:3", () => {
    const out = classify(f32([4], [1.1, 3.3, 0.5, 2.4], false), 2);
    expect(out.spec.dtype).toBe("string");
    expect(out.tensor.shape).toEqual([2]);
    expect(text(out.tensor.values)).toEqual(["3.3:1", "2.4:3"]);
  });

  it("adds labels when the model has them, and classifies each batch row", () => {
    const out = classify(f32([2, 3], [0.1, 0.7, 0.2, 0.5, 0.25, 0.25]), 2, ["cat", "dog", "bird"]);
    expect(out.tensor.shape).toEqual([2, 2]);
    // Ties keep the lower index first.
    expect(text(out.tensor.values)).toEqual(["0.7:1:dog", "0.2:2:bird", "0.5:0:cat", "0.25:1:dog"]);
  });

  it("gives at most as many classes as a row has, and integers as integers", () => {
    const out = classify(
      {
        spec: { name: "n", dtype: "int32", shape: [-1, 2] },
        tensor: { dtype: "int32", shape: [1, 2], values: Int32Array.of(4, 9) },
      },
      5,
    );
    expect(out.tensor.shape).toEqual([1, 2]);
    expect(text(out.tensor.values)).toEqual(["9:1", "4:0"]);
  });
});

describe("the classification parameter of a requested output", () => {
  const sig: Signature = {
    inputs: [{ name: "x", dtype: "float32", shape: [-1, 2] }],
    outputs: [
      { name: "p", dtype: "float32", shape: [-1, 3] },
      { name: "s", dtype: "string", shape: [-1] },
    ],
  };
  const body = (parameters: unknown, name = "p") => ({
    inputs: [{ name: "x", shape: [1, 2], datatype: "FP32", data: [1, 2] }],
    outputs: [{ name, parameters }],
  });

  it("is read as a class count (class_count is taken as a synonym)", () => {
    expect(decodeV2(body({ classification: 2 }), sig, DEFAULT_LIMITS).classify).toEqual({ p: 2 });
    expect(decodeV2(body({ class_count: 3 }), sig, DEFAULT_LIMITS).classify).toEqual({ p: 3 });
    expect(decodeV2(body({ classification: 0 }), sig, DEFAULT_LIMITS).classify).toBeUndefined();
  });

  it.each([
    [
      { classification: -1 },
      /outputs\[0\]\.parameters\.classification: expected a non-negative integer, got the number -1/,
    ],
    [
      { classification: "2" },
      /outputs\[0\]\.parameters\.classification: expected a non-negative integer, got the string "2"/,
    ],
  ])("refuses %j", (parameters, message) => {
    expect(errorOf(() => decodeV2(body(parameters), sig, DEFAULT_LIMITS)).message).toMatch(message);
  });

  it("refuses it on a BYTES output, naming the output", () => {
    expect(errorOf(() => decodeV2(body({ classification: 1 }, "s"), sig, DEFAULT_LIMITS)).message).toMatch(
      /outputs\[0\]\.parameters\.classification: output 's' is BYTES; only numeric outputs can be classified/,
    );
  });
});
