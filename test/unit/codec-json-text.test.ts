/**
 * JSON outputs that carry their text (HostTensor.jsonText, written by a pipeline with
 * JSON.stringify) are spliced into answers: v1 text, v1 values (RPC) and v2 must be exactly what
 * the same output answers as plain UTF-8 bytes, the path every other string output takes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeV1, encodeV1Text, type NamedOutput, type V1Request } from "../../src/core/codecs/v1.ts";
import { encodeV2, type V2Request } from "../../src/core/codecs/v2.ts";
import type { HostTensor, TensorSpec } from "../../src/core/tensors/spec.ts";
import { jsonTextTensor } from "../../src/core/tensors/tensors.ts";

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
