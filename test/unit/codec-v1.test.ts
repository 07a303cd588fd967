import { describe, expect, it } from "vitest";
import { decodeV1, encodeV1, encodeV1Text, type V1Options } from "../../src/core/codecs/v1.ts";
import type { Signature } from "../../src/core/tensors/spec.ts";
import { DEFAULT_LIMITS } from "../../src/core/tensors/tensors.ts";
import { errorOf } from "../support/errors.ts";

const twoInputs: Signature = {
  inputs: [
    { name: "features", dtype: "float32", shape: [-1, 2] },
    { name: "tag", dtype: "string", shape: [-1] },
  ],
  outputs: [{ name: "score", dtype: "float32", shape: [-1, 1] }],
};
const oneInput: Signature = {
  inputs: [{ name: "x", dtype: "float32", shape: [-1, 3] }],
  outputs: [
    { name: "y", dtype: "float32", shape: [-1] },
    { name: "label_bytes", dtype: "string", shape: [-1] },
  ],
};
const opts: V1Options = { signatureName: "serving_default", passthrough: ["key"], limits: DEFAULT_LIMITS };

describe("v1 row format", () => {
  it("stacks named instances into batched tensors and keeps keys aside", () => {
    const req = decodeV1(
      {
        instances: [
          { features: [1, 2], tag: "a", key: "k1" },
          { features: [3, 4], tag: { b64: "AP8=" } },
        ],
      },
      twoInputs,
      opts,
    );
    expect(req.format).toBe("row");
    expect(req.inputs.features).toEqual({ dtype: "float32", shape: [2, 2], values: new Float32Array([1, 2, 3, 4]) });
    expect(req.inputs.tag!.values).toEqual([new TextEncoder().encode("a"), new Uint8Array([0, 255])]);
    expect(req.format === "row" && req.keys).toEqual([{ key: "k1" }, {}]);
  });

  it("takes bare values when the model has one input", () => {
    const req = decodeV1({ instances: [[1, 2, 3]] }, oneInput, opts);
    expect(req.inputs.x!.shape).toEqual([1, 3]);
  });

  it.each([
    [
      {
        instances: [
          [1, 2, 3],
          [1, 2],
        ],
      },
      /instances\[1\]: expected shape \[3\] \(-1 = any\) for input 'x', got \[2\]/,
    ],
    [{ instances: [[1, 2]] }, /instances\[0\]: expected shape \[3\].*got \[2\]/],
    [{ instances: [[1, "2", 3]] }, /instances\[0\] element 1: expected a number, got the string "2"/],
    [{ instances: [[1, 2, 1e39]] }, /outside the range of FP32/],
    [{ instances: [] }, /instances: expected a non-empty array, got an array of length 0/],
    [{ instances: [[1, 2, 3]], inputs: [[1, 2, 3]] }, /exactly one of 'instances'.*got both/],
    [{}, /exactly one of 'instances'.*got neither/],
    [
      { instances: [[1, 2, 3]], signature_name: "other" },
      /signature_name: this model has the signature 'serving_default', got the string "other"/,
    ],
    [{ instances: [{ x: [1, 2, 3], z: 1 }] }, /instances\[0\]: unknown input 'z'/],
    [{ instances: [{ x: [1, 2, 3] }, [1, 2, 3]] }, /instances\[1\]: every instance must have the same form/],
    [[1, 2], /request body: expected a JSON object, got an array/],
  ])("refuses %j", (body, message) => {
    const err = errorOf(() => decodeV1(body, oneInput, opts));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });

  it("refuses a missing input and non-object instances for multi-input models", () => {
    expect(errorOf(() => decodeV1({ instances: [{ features: [1, 2] }] }, twoInputs, opts)).message).toMatch(
      /missing input 'tag'/,
    );
    expect(errorOf(() => decodeV1({ instances: [[1, 2]] }, twoInputs, opts)).message).toMatch(
      /must be an object with keys 'features', 'tag'/,
    );
  });

  it("refuses instances whose shapes differ when the model's row shape is variable", () => {
    const variable: Signature = { ...oneInput, inputs: [{ name: "x", dtype: "float32", shape: [-1, -1] }] };
    expect(
      errorOf(() =>
        decodeV1(
          {
            instances: [
              [1, 2, 3],
              [1, 2],
            ],
          },
          variable,
          opts,
        ),
      ).message,
    ).toMatch(/instances\[1\]: ragged instances, expected shape \[3\] like instances\[0\], got \[2\]/);
  });

  it("refuses lone surrogates and batches over the limit", () => {
    const err = errorOf(() => decodeV1({ instances: [{ features: [1, 2], tag: "\ud800" }] }, twoInputs, opts));
    expect(err.message).toMatch(/instances\[0\]\.tag: string is not valid Unicode/);
    const limited = { ...opts, limits: { ...DEFAULT_LIMITS, maxBatch: 2 } };
    expect(
      errorOf(() =>
        decodeV1(
          {
            instances: [
              [1, 2, 3],
              [1, 2, 3],
              [1, 2, 3],
            ],
          },
          oneInput,
          limited,
        ),
      ).message,
    ).toMatch(/at most 2 instances are allowed per request, got 3/);
  });

  it("encodes one output as bare predictions, several as objects, keys echoed", () => {
    const plain = decodeV1(
      {
        instances: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      oneInput,
      opts,
    );
    const y = {
      spec: oneInput.outputs[0]!,
      tensor: { dtype: "float32" as const, shape: [2], values: new Float32Array([0.1, 0.5]) },
    };
    expect(encodeV1(plain, [y])).toEqual({ predictions: [0.1, 0.5] });
    const keyed = decodeV1(
      {
        instances: [
          { x: [1, 2, 3], key: 7 },
          { x: [4, 5, 6], key: "b" },
        ],
      },
      oneInput,
      opts,
    );
    const label = {
      spec: oneInput.outputs[1]!,
      tensor: { dtype: "string" as const, shape: [2], values: [new Uint8Array([104, 105]), new Uint8Array([255])] },
    };
    expect(encodeV1(keyed, [y, label])).toEqual({
      predictions: [
        { y: 0.1, label_bytes: { b64: "aGk=" }, key: 7 },
        { y: 0.5, label_bytes: { b64: "/w==" }, key: "b" },
      ],
    });
  });
});

describe("v1 columnar format", () => {
  it("takes a bare tensor for one input and answers a bare tensor for one output", () => {
    const req = decodeV1({ inputs: [[1, 2, 3]] }, oneInput, opts);
    const y = {
      spec: oneInput.outputs[0]!,
      tensor: { dtype: "float32" as const, shape: [1], values: new Float32Array([0.25]) },
    };
    expect(encodeV1(req, [y])).toEqual({ outputs: [0.25] });
  });

  it("takes named tensors and checks each shape", () => {
    const req = decodeV1(
      {
        inputs: {
          features: [
            [1, 2],
            [3, 4],
          ],
          tag: ["a", "b"],
        },
      },
      twoInputs,
      opts,
    );
    expect(req.inputs.features!.shape).toEqual([2, 2]);
    expect(errorOf(() => decodeV1({ inputs: { features: [1, 2], tag: ["a"] } }, twoInputs, opts)).message).toMatch(
      /inputs\.features: expected shape \[-1, 2\].*got \[2\]/,
    );
  });
});

describe("what TF Serving accepts (json_tensor.cc)", () => {
  it("ignores unknown top-level fields such as Vertex-style `parameters`", () => {
    const req = decodeV1({ instances: [[1, 2, 3]], parameters: { confidence: 0.5 }, extra: 1 }, oneInput, opts);
    expect(req.inputs.x).toEqual({ dtype: "float32", shape: [1, 3], values: new Float32Array([1, 2, 3]) });
  });

  it("takes an empty signature_name as the default signature", () => {
    const req = decodeV1({ instances: [[1, 2, 3]], signature_name: "" }, oneInput, opts);
    expect(req.inputs.x!.shape).toEqual([1, 3]);
  });

  it("ignores extra names in a columnar `inputs` object, and echoes only pass-through keys", () => {
    const req = decodeV1({ inputs: { features: [[1, 2]], tag: ["a"], colour: [3], key: "k" } }, twoInputs, opts);
    expect(Object.keys(req.inputs)).toEqual(["features", "tag"]);
    expect(req.format === "columnar" && req.keys).toEqual({ key: "k" });
  });

  it("still refuses extra names inside a row-format instance (TF Serving wants exactly the inputs)", () => {
    expect(errorOf(() => decodeV1({ instances: [{ x: [1, 2, 3], z: 1 }] }, oneInput, opts)).message).toMatch(
      /instances\[0\]: unknown input 'z'/,
    );
  });
});

describe("v1 answers as text, printed as TF Serving prints floats", () => {
  const f32 = (values: number[], shape = [values.length]) => ({
    spec: oneInput.outputs[0]!,
    tensor: { dtype: "float32" as const, shape, values: Float32Array.from(values) },
  });

  it("keeps a decimal point on whole float32 numbers (1.0, not 1), as TF Serving's WriteDecimal does", () => {
    const req = decodeV1(
      {
        instances: [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
          [0, 0, 0],
        ],
      },
      oneInput,
      opts,
    );
    // Expected text written by hand from TF Serving's rule: a whole number without '.' or 'e' gets ".0".
    expect(encodeV1Text(req, [f32([1, 0.5, -2, 0])])).toBe('{"predictions":[1.0,0.5,-2.0,0.0]}');
  });

  it("prints the shortest decimal that reads back as the float32, and keeps exponents as they are", () => {
    const req = decodeV1({ inputs: [[1, 2, 3]] }, oneInput, opts);
    const text = encodeV1Text(req, [f32([0.1, 1e-7, 3e21, 16777216], [4])]);
    expect(text).toBe('{"outputs":[0.1,1e-7,3e+21,16777216.0]}');
  });

  it("writes NaN and Infinity as TF Serving's tokens, not null", () => {
    const req = decodeV1({ inputs: [[1, 2, 3]] }, oneInput, opts);
    expect(encodeV1Text(req, [f32([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0])])).toBe(
      '{"outputs":[NaN,Infinity,-Infinity,-0.0]}',
    );
  });

  it("nests empty and scalar tensors as encodeV1 does", () => {
    const req = decodeV1({ inputs: [[1, 2, 3]] }, oneInput, opts);
    for (const shape of [[0], [2, 0], [0, 3], [1, 2, 1], []]) {
      const count = shape.reduce((a, b) => a * b, 1);
      const outputs = [
        f32(
          Array.from({ length: count }, (_, i) => i + 0.5),
          shape,
        ),
      ];
      expect(JSON.parse(encodeV1Text(req, outputs)), JSON.stringify(shape)).toEqual(encodeV1(req, outputs));
    }
  });

  it("leaves integers, strings and pass-through keys as JSON writes them", () => {
    const sig: Signature = {
      inputs: oneInput.inputs,
      outputs: [
        { name: "y", dtype: "float32", shape: [-1] },
        { name: "n", dtype: "int32", shape: [-1] },
        { name: "label", dtype: "string", shape: [-1] },
      ],
    };
    const req = decodeV1({ instances: [{ x: [1, 2, 3], key: 7 }] }, sig, opts);
    const outputs = [
      { spec: sig.outputs[0]!, tensor: { dtype: "float32" as const, shape: [1], values: Float32Array.of(2) } },
      { spec: sig.outputs[1]!, tensor: { dtype: "int32" as const, shape: [1], values: Int32Array.of(2) } },
      { spec: sig.outputs[2]!, tensor: { dtype: "string" as const, shape: [1], values: [new Uint8Array([34, 104])] } },
    ];
    expect(encodeV1Text(req, outputs)).toBe('{"predictions":[{"y":2.0,"n":2,"label":"\\"h","key":7}]}');
    // The text is the JSON answer (encodeV1, what RPC returns) wherever JSON can say it.
    expect(JSON.parse(encodeV1Text(req, outputs))).toEqual(encodeV1(req, outputs));
  });
});
