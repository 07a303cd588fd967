/**
 * The v2 binary tensor data codec against bodies written by hand with DataView (test/support/binary.ts):
 * the same tensors as the JSON codec, the datatype conversions, every malformed body a 400
 * naming the field, and binary answers read back to the JSON answer's numbers.
 */
import { describe, expect, it } from "vitest";
import { decodeV2, encodeV2 } from "../../src/core/codecs/v2.ts";
import { decodeV2Binary, encodeV2Binary, halfToFloat, splitBinaryBody } from "../../src/core/codecs/v2-binary.ts";
import type { Signature } from "../../src/core/tensors/spec.ts";
import { DEFAULT_LIMITS } from "../../src/core/tensors/tensors.ts";
import {
  binaryBody,
  bool,
  bytesElements,
  concat,
  elementsOf,
  fp16Bits,
  fp32,
  fp64,
  int8,
  int32,
  int64,
  parseBinaryAnswer,
  toBinaryRequest,
  uint32,
} from "../support/binary.ts";
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
    { name: "t", dtype: "string", shape: [-1] },
  ],
};

const jsonRequest = () => ({
  id: "req-1",
  inputs: [
    { name: "x", shape: [2, 2], datatype: "FP32", data: [0.1, -2.5, 3e-7, 4] },
    { name: "n", shape: [2], datatype: "INT32", data: [-3, 2147483647] },
    { name: "s", shape: [3], datatype: "BYTES", data: ["héllo", "", "世界"] },
    { name: "b", shape: [2], datatype: "BOOL", data: [true, false] },
  ],
});

/** Splits and decodes a hand-made body. */
const decode = ({ body, headerLength }: { body: Uint8Array; headerLength: number }, limits = DEFAULT_LIMITS) => {
  const { header, tensorBytes } = splitBinaryBody(body, String(headerLength));
  return decodeV2Binary(header, tensorBytes, sig, limits);
};

/** The JSON request's inputs as binary, with input `i` replaced by `input` (its header entry) and `bytes`. */
function withInput(i: number, input: Record<string, unknown>, bytes: Uint8Array) {
  const { inputs } = jsonRequest();
  const chunks = inputs.map((inp) => elementsOf(inp.datatype, inp.data));
  const header: unknown[] = inputs.map(({ data: _data, ...inp }, k) => ({
    ...inp,
    parameters: { binary_data_size: chunks[k]!.length },
  }));
  header[i] = input;
  chunks[i] = bytes;
  return binaryBody({ inputs: header }, chunks);
}

describe("v2 binary tensor data: requests", () => {
  it("decodes the same tensors as the JSON codec, straight into typed arrays", () => {
    const fromJson = decodeV2(jsonRequest(), sig, DEFAULT_LIMITS);
    const fromBinary = decode(toBinaryRequest(jsonRequest()));
    expect(fromBinary.inputs).toEqual(fromJson.inputs);
    expect(fromBinary.inputs.x!.values).toBeInstanceOf(Float32Array);
    expect(fromBinary.inputs.n!.values).toBeInstanceOf(Int32Array);
    expect(fromBinary.id).toBe("req-1");
  });

  it("takes nested-or-flat JSON inputs and binary inputs in one body, bytes in input order", () => {
    const request = jsonRequest();
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          request.inputs[0],
          { ...request.inputs[1], data: undefined, parameters: { binary_data_size: 8 } },
          request.inputs[2],
          { ...request.inputs[3], data: undefined, parameters: { binary_data_size: 2 } },
        ],
      },
      [int32([-3, 2147483647]), bool([true, false])],
    );
    expect(decode({ body, headerLength }).inputs).toEqual(decodeV2(request, sig, DEFAULT_LIMITS).inputs);
  });

  it("reads FP16 and FP64 into float32, and every integer type into int32, by the JSON path's rules", () => {
    // FP16 bit patterns: 1, -2, 0.5, 65504 (largest half), 2^-24 (smallest subnormal).
    const halves = [0x3c00, 0xc000, 0x3800, 0x7bff];
    const fp16 = decode(
      withInput(
        0,
        { name: "x", shape: [2, 2], datatype: "FP16", parameters: { binary_data_size: 8 } },
        fp16Bits(halves),
      ),
    );
    expect(fp16.inputs.x).toEqual({ dtype: "float32", shape: [2, 2], values: new Float32Array([1, -2, 0.5, 65504]) });
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    const f64 = decode(
      withInput(
        0,
        { name: "x", shape: [2, 2], datatype: "FP64", parameters: { binary_data_size: 32 } },
        fp64([0.1, -1e30, 1 / 3, 0]),
      ),
    );
    expect(f64.inputs.x!.values).toEqual(new Float32Array([0.1, -1e30, 1 / 3, 0]));
    const i8 = decode(
      withInput(1, { name: "n", shape: [2], datatype: "INT8", parameters: { binary_data_size: 2 } }, int8([-128, 127])),
    );
    expect(i8.inputs.n).toEqual({ dtype: "int32", shape: [2], values: new Int32Array([-128, 127]) });
    const i64 = decode(
      withInput(
        1,
        { name: "n", shape: [2], datatype: "INT64", parameters: { binary_data_size: 16 } },
        int64([-2147483648n, 2147483647n]),
      ),
    );
    expect(i64.inputs.n!.values).toEqual(new Int32Array([-2147483648, 2147483647]));
  });

  it.each([
    [
      "INT64 beyond int32",
      { datatype: "INT64", size: 16 },
      int64([1n, 2147483648n]),
      /inputs\[1\] \(binary data\) element 1: expected an integer in \[-2147483648, 2147483647\] for INT64, got 2147483648/,
    ],
    [
      "INT64 far below int32",
      { datatype: "INT64", size: 16 },
      int64([-(2n ** 40n), 0n]),
      /element 0: expected an integer in .* for INT64, got -1099511627776/,
    ],
    [
      "UINT32 beyond int32",
      { datatype: "UINT32", size: 8 },
      uint32([0, 4294967295]),
      /element 1: expected an integer in \[0, 2147483647\] for UINT32, got 4294967295/,
    ],
  ])("refuses %s", (_what, { datatype, size }, bytes, message) => {
    const err = errorOf(() =>
      decode(withInput(1, { name: "n", shape: [2], datatype, parameters: { binary_data_size: size } }, bytes)),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });

  it.each([
    [
      "a NaN in FP32",
      "FP32",
      fp32([1, NaN, 0, 0]),
      /inputs\[0\] \(binary data\) element 1: expected a finite number, got NaN/,
    ],
    [
      "an infinity in FP16",
      "FP16",
      fp16Bits([0x3c00, 0x3c00, 0x7c00, 0]),
      /element 2: expected a finite number, got Infinity/,
    ],
    ["an FP64 beyond FP32", "FP64", fp64([0, 0, 0, 1e300]), /element 3: 1e\+300 is outside the range of FP32/],
  ])("refuses %s", (_what, datatype, bytes, message) => {
    const err = errorOf(() =>
      decode(
        withInput(0, { name: "x", shape: [2, 2], datatype, parameters: { binary_data_size: bytes.length } }, bytes),
      ),
    );
    expect(err.message).toMatch(message);
  });

  it("refuses a BOOL byte other than 0 or 1", () => {
    const err = errorOf(() =>
      decode(
        withInput(
          3,
          { name: "b", shape: [2], datatype: "BOOL", parameters: { binary_data_size: 2 } },
          new Uint8Array([1, 2]),
        ),
      ),
    );
    expect(err.message).toMatch(
      /inputs\[3\] \(binary data\) element 1: expected a byte 0 \(false\) or 1 \(true\) for BOOL, got 2/,
    );
  });

  it("keeps BYTES elements as raw bytes, not only text", () => {
    const raw = new Uint8Array([0xff, 0x00, 0xfe]);
    const bytes = bytesElements([raw, "ab"]);
    const request = decode(
      withInput(2, { name: "s", shape: [2], datatype: "BYTES", parameters: { binary_data_size: bytes.length } }, bytes),
    );
    expect(request.inputs.s!.values).toEqual([raw, new TextEncoder().encode("ab")]);
  });
});

describe("v2 binary tensor data: malformed bodies are 400s naming the field", () => {
  const body = toBinaryRequest(jsonRequest());

  it.each([
    [
      "a header length that is not a number",
      "abc",
      /Inference-Header-Content-Length: expected a non-negative integer, got 'abc'/,
    ],
    ["a negative header length", "-1", /Inference-Header-Content-Length: expected a non-negative integer, got '-1'/],
    ["a fractional header length", "1.5", /expected a non-negative integer, got '1.5'/],
    [
      "a header length beyond the body",
      String(body.body.length + 1),
      new RegExp(
        `${body.body.length + 1} bytes of JSON header announced, but the body has only ${body.body.length} bytes`,
      ),
    ],
    [
      "a header length cutting the JSON short",
      String(body.headerLength - 1),
      /inference header: the first \d+ bytes \(Inference-Header-Content-Length\) are not valid JSON/,
    ],
  ])("refuses %s", (_what, length, message) => {
    const err = errorOf(() => splitBinaryBody(body.body, length));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });

  it("refuses a header that is not UTF-8", () => {
    const err = errorOf(() => splitBinaryBody(new Uint8Array([0x7b, 0xff, 0x7d]), "3"));
    expect(err.message).toMatch(/inference header: expected UTF-8 JSON text in the first 3 bytes/);
  });

  const x = (parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    name: "x",
    shape: [2, 2],
    datatype: "FP32",
    parameters,
    ...extra,
  });
  it.each([
    [
      "a binary_data_size that does not fit the shape",
      withInput(0, x({ binary_data_size: 12 }), fp32([1, 2, 3])),
      /inputs\[0\]\.parameters\.binary_data_size: expected 16 bytes \(shape \[2, 2\] × 4 bytes for FP32\), got 12/,
    ],
    [
      "a binary_data_size that is not an integer",
      withInput(0, x({ binary_data_size: "16" }), fp32([1, 2, 3, 4])),
      /inputs\[0\]\.parameters\.binary_data_size: expected a non-negative integer, got the string "16"/,
    ],
    [
      "both data and binary_data_size",
      withInput(0, x({ binary_data_size: 16 }, { data: [1, 2, 3, 4] }), fp32([1, 2, 3, 4])),
      /inputs\[0\]: expected either 'data' or parameters\.binary_data_size, got both/,
    ],
    [
      "neither data nor binary_data_size",
      withInput(0, x({}), new Uint8Array()),
      /inputs\[0\]\.data: expected the tensor's elements, or parameters\.binary_data_size for raw bytes after the JSON header, got neither/,
    ],
    [
      "BYTES whose element length runs past the end",
      withInput(
        2,
        { name: "s", shape: [1], datatype: "BYTES", parameters: { binary_data_size: 6 } },
        concat([uint32([9]), new Uint8Array([1, 2])]),
      ),
      /inputs\[2\] \(binary data\) element 0: length 9 runs past the end of the tensor's 6 bytes \(binary_data_size\) by 7/,
    ],
    [
      "BYTES cut inside a length",
      withInput(
        2,
        { name: "s", shape: [2], datatype: "BYTES", parameters: { binary_data_size: 7 } },
        concat([bytesElements(["a"]), new Uint8Array([1, 0])]),
      ),
      /element 1: expected a 4-byte length, got 2 bytes before the end/,
    ],
    [
      "BYTES with bytes left over",
      withInput(
        2,
        { name: "s", shape: [1], datatype: "BYTES", parameters: { binary_data_size: 8 } },
        concat([bytesElements(["a"]), new Uint8Array([7, 7, 7])]),
      ),
      /inputs\[2\] \(binary data\): 3 bytes left over after the 1 BYTES elements of shape \[1\]; binary_data_size is 8/,
    ],
    [
      "an unknown input",
      withInput(0, x({ binary_data_size: 16 }, { name: "zz" }), fp32([1, 2, 3, 4])),
      /inputs\[0\]\.name: unknown input 'zz'/,
    ],
    [
      "a datatype the model does not take",
      withInput(1, { name: "n", shape: [2], datatype: "FP32", parameters: { binary_data_size: 8 } }, fp32([1, 2])),
      /inputs\[1\]\.datatype: input 'n' takes INT32 \(or another integer type\), got FP32/,
    ],
    [
      "a shape the model does not take",
      withInput(0, x({ binary_data_size: 12 }, { shape: [1, 3] }), fp32([1, 2, 3])),
      /inputs\[0\]\.shape: expected shape \[-1, 2\] \(-1 = any\) for input 'x', got \[1, 3\]/,
    ],
  ])("refuses %s", (_what, made, message) => {
    const err = errorOf(() => decode(made));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });

  it("refuses bytes missing after the header", () => {
    const cut = { body: body.body.subarray(0, body.body.length - 2), headerLength: body.headerLength };
    expect(errorOf(() => decode(cut)).message).toMatch(
      /inputs\[3\]\.parameters\.binary_data_size: 2 bytes expected at offset \d+ after the JSON header, but only 0 follow/,
    );
  });

  it("refuses bytes left over after the last binary tensor", () => {
    const longer = { body: concat([body.body, new Uint8Array(5)]), headerLength: body.headerLength };
    expect(errorOf(() => decode(longer)).message).toMatch(
      /request body: 5 bytes left over after the binary tensors; the inputs' binary_data_size add up to \d+ of the \d+ bytes/,
    );
  });

  it("applies the element, batch and string limits", () => {
    expect(errorOf(() => decode(body, { ...DEFAULT_LIMITS, maxElements: 3 })).message).toMatch(
      /inputs\[0\]\.shape: at most 3 elements are allowed per tensor, got 4/,
    );
    expect(errorOf(() => decode(body, { ...DEFAULT_LIMITS, maxBatch: 1 })).message).toMatch(
      /inputs\[0\]\.shape: at most 1 rows are allowed per request, got 2/,
    );
    expect(errorOf(() => decode(body, { ...DEFAULT_LIMITS, maxStringBytes: 5 })).message).toMatch(
      /inputs\[2\] \(binary data\) element 0: strings may be at most 5 bytes, got 6/,
    );
  });

  it("checks the envelope like the JSON codec (closed objects)", () => {
    const made = toBinaryRequest(jsonRequest(), { model_name: "m" });
    expect(errorOf(() => decode(made)).message).toMatch(/request body: unknown field 'model_name'/);
  });
});

describe("v2 binary tensor data: answers", () => {
  const outputs = [
    {
      spec: sig.outputs[0]!,
      tensor: { dtype: "float32" as const, shape: [3], values: new Float32Array([0.1, -2, 1e-8]) },
    },
    { spec: sig.outputs[1]!, tensor: { dtype: "int32" as const, shape: [2], values: new Int32Array([7, -1]) } },
    {
      spec: sig.outputs[2]!,
      tensor: {
        dtype: "string" as const,
        shape: [2],
        values: [new TextEncoder().encode("ok"), new TextEncoder().encode("")],
      },
    },
  ];
  const model = { name: "m", version: 2 };

  it("asks for binary outputs by binary_data_output, overridden per output by binary_data", () => {
    const all = decode(toBinaryRequest(jsonRequest(), { parameters: { binary_data_output: true } }));
    expect(all.binaryOutputs).toEqual(["p", "q", "t"]);
    const some = decode(
      toBinaryRequest(jsonRequest(), {
        parameters: { binary_data_output: true },
        outputs: [{ name: "q", parameters: { binary_data: false } }, { name: "p" }],
      }),
    );
    expect(some.binaryOutputs).toEqual(["p"]);
    const none = decodeV2(
      { ...jsonRequest(), outputs: [{ name: "t", parameters: { binary_data: true } }] },
      sig,
      DEFAULT_LIMITS,
    );
    expect(none.binaryOutputs).toEqual(["t"]);
    expect(decodeV2(jsonRequest(), sig, DEFAULT_LIMITS).binaryOutputs).toBeUndefined();
    const wrong = errorOf(() =>
      decodeV2({ ...jsonRequest(), parameters: { binary_data_output: "yes" } }, sig, DEFAULT_LIMITS),
    );
    expect(wrong.message).toBe('parameters.binary_data_output: expected a boolean, got the string "yes"');
  });

  it("writes binary outputs after the JSON header, and reads back as the JSON answer's numbers", () => {
    const request = { id: "r", inputs: {}, binaryOutputs: ["p", "t"] };
    const { headerLength, bytes } = encodeV2Binary(model, request, outputs);
    const { header, values } = parseBinaryAnswer(bytes, headerLength);
    const json = encodeV2(model, request, outputs);
    expect(header).toEqual({
      model_name: "m",
      model_version: "2",
      id: "r",
      outputs: [
        { name: "p", datatype: "FP32", shape: [3], parameters: { binary_data_size: 12 } },
        { name: "q", datatype: "INT32", shape: [2], data: [7, -1] },
        { name: "t", datatype: "BYTES", shape: [2], parameters: { binary_data_size: 10 } },
      ],
    });
    // Binary floats are the exact float32s; JSON prints the shortest decimal that reads back as them.
    expect(values.p!.map((v) => Math.fround(v as number))).toEqual(
      json.outputs[0]!.data.map((v) => Math.fround(v as number)),
    );
    expect(values.t).toEqual(json.outputs[2]!.data);
  });
});
