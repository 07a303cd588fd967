/**
 * JSON outputs that carry their text (HostTensor.jsonText, written by a pipeline with
 * JSON.stringify) are spliced into answers: v1 text, v1 values (RPC) and v2 must be exactly what
 * the same output answers as plain UTF-8 bytes, the path every other string output takes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/core/codecs/json-values.ts";
import {
  decodeV1,
  encodeV1,
  encodeV1Text,
  type NamedOutput,
  type V1Options,
  type V1Request,
} from "../../src/core/codecs/v1.ts";
import { encodeV2, type V2Request } from "../../src/core/codecs/v2.ts";
import type { HostTensor, Signature, TensorSpec } from "../../src/core/tensors/spec.ts";
import { DEFAULT_LIMITS, jsonTextTensor } from "../../src/core/tensors/tensors.ts";

const encoder = new TextEncoder();
const bytesOnly = (texts: string[]): HostTensor => ({
  dtype: "string",
  shape: [texts.length],
  values: texts.map((t) => encoder.encode(t)),
});
const rows = (n: number): V1Request => ({
  format: "row",
  inputs: {},
  batch: n,
  keys: Array.from({ length: n }, () => ({})),
});
const v2: V2Request = { id: "r", inputs: {} };

describe("a JSON output carrying its text", () => {
  it("answers the same bytes as one carrying only UTF-8 (v1 text, v1 values, v2), for any JSON values", () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 6 }),
        fc.constantFrom("context", "context_bytes"),
        (values, name) => {
          const texts = values.map((v) => JSON.stringify(v));
          const spec: TensorSpec = { name, dtype: "string", shape: [-1], json: true };
          const spliced: NamedOutput[] = [{ spec, tensor: jsonTextTensor(texts, [texts.length]) }];
          const plain: NamedOutput[] = [{ spec, tensor: bytesOnly(texts) }];
          expect(encodeV1Text(rows(texts.length), spliced)).toBe(encodeV1Text(rows(texts.length), plain));
          expect(encodeV1(rows(texts.length), spliced)).toEqual(encodeV1(rows(texts.length), plain));
          const model = { name: "m", version: 1 };
          expect(JSON.stringify(encodeV2(model, v2, spliced))).toBe(JSON.stringify(encodeV2(model, v2, plain)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps its bytes for readers of raw values (the prediction log), encoded when first read", () => {
    const t = jsonTextTensor(['{"a":"é"}', "[1,2]"], [2]);
    expect(t.jsonText).toEqual(['{"a":"é"}', "[1,2]"]);
    expect(t.values).toEqual([encoder.encode('{"a":"é"}'), encoder.encode("[1,2]")]);
    expect(t.values).toBe(t.values);
  });

  it("is spliced only for an output declared JSON (a plain string output answers its text as a string)", () => {
    const spec: TensorSpec = { name: "note", dtype: "string", shape: [-1] };
    const out: NamedOutput[] = [{ spec, tensor: jsonTextTensor(['{"a":1}'], [1]) }];
    expect(encodeV1Text(rows(1), out)).toBe('{"predictions":["{\\"a\\":1}"]}');
  });
});

/** Row-format answers are written row by row as text (v1.ts `rowsText`); the reference is JSON.stringify of the RPC form. */
describe("v1 row answers written as text", () => {
  const NAMES = ["a", "b", "key", "0", "7", "__proto__", "x y", "é"];
  const output = fc.record({
    name: fc.constantFrom(...NAMES),
    dtype: fc.constantFrom("int32" as const, "bool" as const, "string" as const),
    width: fc.constantFrom(0, 1, 2),
  });
  it("match JSON.stringify of the same answer as values, for any outputs and pass-through keys", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(output, { maxLength: 3 }),
        fc.array(fc.dictionary(fc.constantFrom(...NAMES), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), {
          minLength: 4,
          maxLength: 4,
        }),
        fc.boolean(),
        (batch, specs, keyPool, keyed) => {
          const outputs: NamedOutput[] = specs.map((s, k) => {
            const shape = s.width === 0 ? [batch] : [batch, s.width];
            const n = batch * Math.max(1, s.width);
            const values =
              s.dtype === "int32"
                ? Int32Array.from({ length: n }, (_, i) => i * 7 - k)
                : s.dtype === "bool"
                  ? Array.from({ length: n }, (_, i) => (i + k) % 3 === 0)
                  : Array.from({ length: n }, (_, i) => encoder.encode(`s${i}"${k}`));
            return {
              spec: { name: s.name, dtype: s.dtype, shape: shape.map((d, i) => (i === 0 ? -1 : d)) },
              tensor: { dtype: s.dtype, shape, values },
            };
          });
          const request: V1Request = {
            format: "row",
            inputs: {},
            batch,
            keys: Array.from({ length: batch }, (_, i) => (keyed ? (keyPool[i] as Record<string, Json>) : {})),
          };
          expect(encodeV1Text(request, outputs)).toBe(JSON.stringify(encodeV1(request, outputs)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("print float32 as TF Serving does, with keys after the outputs", () => {
    const spec: TensorSpec = { name: "p", dtype: "float32", shape: [-1] };
    const tensor: HostTensor = { dtype: "float32", shape: [2], values: Float32Array.of(1, 0.1) };
    const request: V1Request = { format: "row", inputs: {}, batch: 2, keys: [{ key: "k" }, {}] };
    expect(encodeV1Text(request, [{ spec, tensor }])).toBe('{"predictions":[{"p":1.0,"key":"k"},{"p":0.1}]}');
  });

  it("refuse an output without the batch dimension as before", () => {
    const spec: TensorSpec = { name: "p", dtype: "int32", shape: [3] };
    const tensor: HostTensor = { dtype: "int32", shape: [3], values: Int32Array.of(1, 2, 3) };
    expect(() => encodeV1Text(rows(2), [{ spec, tensor }])).toThrow(
      "instances: output 'p' has shape [3], which has no batch dimension of 2; use the columnar 'inputs' format for this model",
    );
  });
});

/**
 * Models whose every input is one value per row are decoded input by input over the batch
 * (v1.ts `scalarRows`). Reference: the tensors built by hand, and for a bad batch the error its
 * first bad instance gets on its own (renumbered), which the row-by-row path gives.
 */
describe("v1 rows of one value per input", () => {
  const sig: Signature = {
    inputs: [
      { name: "s", dtype: "string", shape: [-1] },
      { name: "f", dtype: "float32", shape: [-1] },
      { name: "i", dtype: "int32", shape: [-1] },
      { name: "b", dtype: "bool", shape: [-1] },
    ],
    outputs: [{ name: "y", dtype: "float32", shape: [-1] }],
  };
  const opts: V1Options = {
    signatureName: "serving_default",
    passthrough: ["key"],
    limits: { ...DEFAULT_LIMITS, maxStringBytes: 8 },
  };
  const good = fc.record({
    s: fc.string({ maxLength: 4 }),
    f: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    i: fc.integer({ min: -1000, max: 1000 }),
    b: fc.boolean(),
  });
  const bad = fc.constantFrom<[string, unknown]>(
    ["s", 3],
    ["s", "much too long"],
    ["s", "\ud800"],
    ["s", [1]],
    ["f", "x"],
    ["f", 1e40],
    ["f", [1, 2]],
    ["i", 1.5],
    ["i", 2 ** 31],
    ["b", 1],
    ["b", null],
    ["extra", 1],
    ["key", [1]],
  );
  const instance = fc
    .tuple(good, fc.option(bad, { freq: 6 }), fc.option(fc.string(), { freq: 2 }), fc.boolean())
    .map(([row, flaw, key, drop]) => {
      const out: Record<string, unknown> = { ...row };
      if (key !== null) out.key = key;
      if (flaw) out[flaw[0]] = flaw[1];
      if (drop && !flaw) delete out.b;
      return out;
    });
  const outcome = (f: () => unknown) => {
    try {
      return { ok: f() };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };

  it("decode as the rows one by one would: the same tensors and keys, or the first bad instance's error", () => {
    fc.assert(
      fc.property(fc.array(instance, { minLength: 1, maxLength: 6 }), (instances) => {
        const got = outcome(() => decodeV1({ instances }, sig, opts));
        const firstBad = instances.findIndex(
          (row) => "error" in outcome(() => decodeV1({ instances: [row] }, sig, opts)),
        );
        if (firstBad >= 0) {
          const own = outcome(() => decodeV1({ instances: [instances[firstBad]] }, sig, opts)) as { error: string };
          expect(got).toEqual({ error: own.error.replace("instances[0]", `instances[${firstBad}]`) });
          return;
        }
        const column = (name: string) => instances.map((r) => r[name]);
        expect(got).toEqual({
          ok: {
            format: "row",
            batch: instances.length,
            keys: instances.map((r) => ("key" in r ? { key: r.key } : {})),
            inputs: {
              s: {
                dtype: "string",
                shape: [instances.length],
                values: column("s").map((v) => encoder.encode(v as string)),
              },
              f: { dtype: "float32", shape: [instances.length], values: Float32Array.from(column("f") as number[]) },
              i: { dtype: "int32", shape: [instances.length], values: Int32Array.from(column("i") as number[]) },
              b: { dtype: "bool", shape: [instances.length], values: column("b") },
            },
          },
        });
      }),
      { numRuns: 400 },
    );
  });

  it("still refuse instances of mixed forms, naming the first that differs", () => {
    const one: Signature = { inputs: [sig.inputs[1]!], outputs: sig.outputs };
    expect(outcome(() => decodeV1({ instances: [1, { f: 2 }] }, one, opts))).toEqual({
      error: "instances[1]: every instance must have the same form as instances[0] (a bare value), got an object",
    });
  });
});

describe("string inputs decoded from JSON", () => {
  it("carry the strings they came as (not enumerable), unless an element came as b64", () => {
    const sig: Signature = {
      inputs: [{ name: "s", dtype: "string", shape: [-1] }],
      outputs: [{ name: "y", dtype: "float32", shape: [-1] }],
    };
    const opts: V1Options = { signatureName: "serving_default", passthrough: [], limits: DEFAULT_LIMITS };
    const text = decodeV1({ instances: ["é", "a\u0000b", ""] }, sig, opts).inputs.s!;
    expect(text.text).toEqual(["é", "a\u0000b", ""]);
    expect(text.text!.map((t, i) => new TextDecoder().decode((text.values as Uint8Array[])[i]) === t)).toEqual([
      true,
      true,
      true,
    ]);
    expect(Object.keys(text)).toEqual(["dtype", "shape", "values"]);
    expect({ ...text }.text).toBeUndefined();
    expect(decodeV1({ instances: ["a", { b64: "AP8=" }] }, sig, opts).inputs.s!.text).toBeUndefined();
  });
});
