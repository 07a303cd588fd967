import { describe, expect, it } from "vitest";
import { decodeV2, encodeV2 } from "../../src/core/codecs/v2.ts";
import type { Signature } from "../../src/core/tensors/spec.ts";
import { DEFAULT_LIMITS } from "../../src/core/tensors/tensors.ts";
import { errorOf } from "../support/errors.ts";

const sig: Signature = {
  inputs: [
    { name: "x", dtype: "float32", shape: [-1, 2] },
    { name: "n", dtype: "int32", shape: [-1] },
    { name: "s", dtype: "string", shape: [-1] },
    { name: "b", dtype: "bool", shape: [-1] },
  ],
  outputs: [
    { name: "p", dtype: "float32", shape: [-1] },
    { name: "q", dtype: "int32", shape: [-1] },
  ],
};
const good = () => ({
  id: "req-1",
  inputs: [
    { name: "x", shape: [2, 2], datatype: "FP32", data: [1, 2, 3, 4] },
    { name: "n", shape: [2], datatype: "INT8", data: [-3, 4] },
    { name: "s", shape: [2], datatype: "BYTES", data: ["héllo", ""] },
    { name: "b", shape: [2], datatype: "BOOL", data: [true, false] },
  ],
});

describe("v2 infer codec", () => {
  it("decodes flat and nested data identically", () => {
    const flat = decodeV2(good(), sig, DEFAULT_LIMITS);
    const nestedBody = good();
    nestedBody.inputs[0]!.data = [
      [1, 2],
      [3, 4],
    ] as never;
    const nested = decodeV2(nestedBody, sig, DEFAULT_LIMITS);
    expect(nested.inputs).toEqual(flat.inputs);
    expect(flat.id).toBe("req-1");
    expect(flat.inputs.n).toEqual({ dtype: "int32", shape: [2], values: new Int32Array([-3, 4]) });
    expect(new TextDecoder().decode((flat.inputs.s!.values as Uint8Array[])[0])).toBe("héllo");
  });

  const mutate = (fn: (b: ReturnType<typeof good>) => void) => {
    const b = good();
    fn(b);
    return b;
  };
  it.each([
    [
      "an unknown input",
      mutate((b) => (b.inputs[0]!.name = "zz")),
      /inputs\[0\]\.name: unknown input 'zz'; this model's inputs are 'x', 'n', 's', 'b'/,
    ],
    ["a missing input", mutate((b) => b.inputs.pop()), /inputs: missing input 'b'/],
    ["a duplicated input", mutate((b) => b.inputs.push({ ...b.inputs[0]! })), /input 'x' is given twice/],
    [
      "a wrong datatype",
      mutate((b) => (b.inputs[0]!.datatype = "INT32")),
      /inputs\[0\]\.datatype: input 'x' takes FP32 \(or FP16\/FP64\), got INT32/,
    ],
    [
      "an unknown datatype",
      mutate((b) => (b.inputs[0]!.datatype = "FLOAT")),
      /inputs\[0\]\.datatype: expected one of BOOL/,
    ],
    [
      "a wrong element count",
      mutate((b) => (b.inputs[0]!.data = [1, 2, 3])),
      /inputs\[0\]\.data: expected 4 elements \(shape \[2, 2\]\), flat or nested, got data of shape \[3\]/,
    ],
    ["a wrong shape", mutate((b) => (b.inputs[0]!.shape = [2, 3])), /inputs\[0\]\.shape: expected shape \[-1, 2\]/],
    [
      "an integer out of range",
      mutate((b) => (b.inputs[1]!.data = [1, 300])),
      /inputs\[1\]\.data element 1: expected an integer in \[-128, 127\] for INT8, got 300/,
    ],
    [
      "a fraction for an integer",
      mutate((b) => (b.inputs[1]!.data = [1, 2.5])),
      /expected an integer, got the number 2.5/,
    ],
    [
      "a number for a string",
      mutate((b) => (b.inputs[2]!.data = [1, "a"] as never)),
      /inputs\[2\]\.data element 0: expected a string, got the number 1/,
    ],
    [
      "a string for a bool",
      mutate((b) => (b.inputs[3]!.data = ["true", false] as never)),
      /expected true or false, got the string "true"/,
    ],
    ["a non-string id", mutate((b) => ((b as { id: unknown }).id = 5)), /id: expected a string, got the number 5/],
    [
      "an unknown requested output",
      mutate((b) => Object.assign(b, { outputs: [{ name: "nope" }] })),
      /outputs\[0\]\.name: unknown output 'nope'/,
    ],
    [
      "ragged nested data",
      mutate((b) => (b.inputs[0]!.data = [[1, 2], [3]] as never)),
      /inputs\[0\]\.data\[1\]: ragged tensor/,
    ],
  ])("refuses %s", (_what, body, message) => {
    const err = errorOf(() => decodeV2(body, sig, DEFAULT_LIMITS));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });

  it("enforces the element limit before reading data", () => {
    const err = errorOf(() => decodeV2(good(), sig, { ...DEFAULT_LIMITS, maxElements: 3 }));
    expect(err.message).toMatch(/at most 3 elements are allowed per tensor, got 4/);
  });

  it("encodes outputs flat with their datatype and echoes the id only when given", () => {
    const outputs = [
      { spec: sig.outputs[0]!, tensor: { dtype: "float32" as const, shape: [2], values: new Float32Array([0.1, 2]) } },
    ];
    const withId = encodeV2({ name: "m", version: 3 }, { id: "abc", inputs: {} }, outputs);
    expect(withId).toEqual({
      model_name: "m",
      model_version: "3",
      id: "abc",
      outputs: [{ name: "p", datatype: "FP32", shape: [2], data: [0.1, 2] }],
    });
    expect("id" in encodeV2({ name: "m", version: 3 }, { inputs: {} }, outputs)).toBe(false);
  });
});
