/**
 * `POST /v2/models/{m}/infer` with the binary tensor data extension, inside workerd: binary inputs
 * answer what the same tensors as JSON answer, binary outputs read back to the JSON answer's numbers,
 * and every malformed body is a 400 (or 413/415) naming the field. Bodies are written by hand
 * with DataView (test/support/binary.ts), independently of the codec.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appWith } from "../support/app-with.ts";
import {
  binaryBody,
  bytesElements,
  concat,
  fp32,
  int32,
  parseBinaryAnswer,
  toBinaryRequest,
  uint32,
} from "../support/binary.ts";
import { client } from "../support/client.ts";

const BASE = "http://serve.test";
const api = client((url, init) => exports.default.fetch(url, init));

/** Posts a binary-extension body; the answer's raw bytes and headers. */
async function postBinary(
  path: string,
  made: { body: Uint8Array; headerLength: number },
  headers: Record<string, string> = {},
) {
  const res = await exports.default.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(made.headerLength),
      ...headers,
    },
    body: made.body,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  const json = (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, bytes, text, json };
}

type Request = { id?: string; inputs: Array<{ name: string; shape: number[]; datatype: string; data: unknown[] }> };

const CASES: Array<[string, string, Request]> = [
  [
    "tiny_layers (FP32, two inputs)",
    "/v2/models/tiny_layers/versions/1/infer",
    {
      id: "layers-1",
      inputs: [
        {
          name: "features",
          shape: [3, 4],
          datatype: "FP32",
          data: [
            [0.1, 0.2, 0.3, 0.4],
            [-1.44, -0.93, -1.56, -0.67],
            [1e-3, 5, -2, 0],
          ],
        },
        { name: "extra", shape: [3, 2], datatype: "FP32", data: [0.63, 1.9, 0, 0, -1.5, 2.25] },
      ],
    },
  ],
  [
    "tiny_text (BYTES + INT32)",
    "/v2/models/tiny_text/infer",
    {
      inputs: [
        { name: "text", shape: [3], datatype: "BYTES", data: ["hello", "wörld", ""] },
        { name: "count", shape: [3], datatype: "INT32", data: [1, 3, -7] },
      ],
    },
  ],
  [
    "tiny_graph",
    "/v2/models/tiny_graph/versions/2/infer",
    { inputs: [{ name: "x", shape: [2, 4], datatype: "FP32", data: [1, 2, 3, 4, 0.5, 0, 0, 1] }] },
  ],
];

describe("v2 infer with binary tensor data", () => {
  it.each(CASES)("%s: binary inputs answer exactly what JSON inputs answer", async (_label, path, request) => {
    const json = await api.post(path, request);
    expect(json.status, json.text).toBe(200);
    const binary = await postBinary(path, toBinaryRequest(request));
    expect(binary.status, binary.text).toBe(200);
    expect(binary.headers.get("content-type")).toMatch(/^application\/json/);
    expect(binary.headers.get("x-model-version")).toBe(json.headers.get("x-model-version"));
    expect(binary.text).toBe(json.text);
  });

  it.each(CASES)("%s: binary outputs read back to the JSON answer's numbers", async (_label, path, request) => {
    const json = await api.post(path, request);
    const binary = await postBinary(path, toBinaryRequest(request, { parameters: { binary_data_output: true } }));
    expect(binary.status, binary.text).toBe(200);
    expect(binary.headers.get("content-type")).toBe("application/octet-stream");
    const headerLength = Number(binary.headers.get("inference-header-content-length"));
    const { header, values } = parseBinaryAnswer(binary.bytes, headerLength);
    expect(header.model_name).toBe(json.json.model_name);
    expect(header.id).toBe(json.json.id);
    const outputs = json.json.outputs as Array<{ name: string; datatype: string; shape: number[]; data: unknown[] }>;
    expect(header.outputs.map((o) => o.name)).toEqual(outputs.map((o) => o.name));
    for (const [i, expected] of outputs.entries()) {
      const got = header.outputs[i]!;
      expect(got).toMatchObject({ name: expected.name, datatype: expected.datatype, shape: expected.shape });
      expect(got.data).toBeUndefined();
      // JSON prints the shortest decimal that reads back as the float32; the bytes are that float32.
      const read = expected.datatype === "FP32" ? (v: unknown) => Math.fround(v as number) : (v: unknown) => v;
      expect(values[expected.name]!.map(read)).toEqual(expected.data.map(read));
      expect(values[expected.name]!.length).toBeGreaterThan(0);
    }
  });

  it("answers some outputs as bytes and the rest as JSON, per output, also for a plain JSON request", async () => {
    const request = {
      ...CASES[0]![2],
      outputs: [{ name: "probs", parameters: { binary_data: true } }, { name: "score" }],
    };
    const res = await exports.default.fetch(`${BASE}${CASES[0]![1]}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const { header, values } = parseBinaryAnswer(bytes, Number(res.headers.get("inference-header-content-length")));
    const json = (await api.post(CASES[0]![1], { ...CASES[0]![2], outputs: [{ name: "probs" }, { name: "score" }] }))
      .json;
    expect(header.outputs[0]).toEqual({
      name: "probs",
      datatype: "FP32",
      shape: [3, 3],
      parameters: { binary_data_size: 36 },
    });
    expect(header.outputs[1]).toEqual(json.outputs[1]);
    expect(values.probs!.map((v) => Math.fround(v as number))).toEqual(
      json.outputs[0].data.map((v: number) => Math.fround(v)),
    );
  });

  it("accepts SageMaker's binary+json content type with json-header-size", async () => {
    const [, path, request] = CASES[2]!;
    const made = toBinaryRequest(request);
    const res = await exports.default.fetch(`${BASE}${path}`, {
      method: "POST",
      headers: { "content-type": `application/vnd.sagemaker-triton.binary+json;json-header-size=${made.headerLength}` },
      body: made.body,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe((await api.post(path, request)).text);
  });

  it("lists binary_tensor_data among the server's extensions, and documents the binary body in OpenAPI", async () => {
    expect((await api.get("/v2")).json.extensions).toContain("binary_tensor_data");
    const doc = (await api.get("/openapi.json")).json;
    for (const path of ["/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer"]) {
      const op = doc.paths[path].post;
      expect(op.requestBody.content["application/octet-stream"].schema.description).toMatch(
        /Inference-Header-Content-Length.*binary_data_size/,
      );
      expect(op.responses[200].content["application/octet-stream"]).toBeDefined();
      expect(op.parameters.map((p: { name: string }) => p.name)).toContain("Inference-Header-Content-Length");
    }
    expect(doc.components.schemas.V2InferHeader.properties.inputs).toBeDefined();
  });
});

describe("malformed binary bodies", () => {
  const path = "/v2/models/tiny_layers/versions/1/infer";
  const good = toBinaryRequest(CASES[0]![2]);
  const features = { name: "features", shape: [1, 4], datatype: "FP32" };
  const extra = { name: "extra", shape: [1, 2], datatype: "FP32", parameters: { binary_data_size: 8 } };

  it.each([
    [
      "a header length that is not a non-negative integer",
      good,
      { "inference-header-content-length": "-4" },
      /^Inference-Header-Content-Length: expected a non-negative integer, got '-4'$/,
    ],
    [
      "a header length beyond the body",
      good,
      { "inference-header-content-length": String(good.body.length + 10) },
      /^Inference-Header-Content-Length: \d+ bytes of JSON header announced, but the body has only \d+ bytes$/,
    ],
    [
      "a header that is not JSON",
      { body: new TextEncoder().encode("{inputs: []}"), headerLength: 12 },
      {},
      /^inference header: the first 12 bytes \(Inference-Header-Content-Length\) are not valid JSON/,
    ],
    [
      "a binary_data_size that does not match the shape",
      binaryBody({ inputs: [{ ...features, parameters: { binary_data_size: 12 } }, extra] }, [
        fp32([1, 2, 3]),
        fp32([1, 2]),
      ]),
      {},
      /^inputs\[0\]\.parameters\.binary_data_size: expected 16 bytes \(shape \[1, 4\] × 4 bytes for FP32\), got 12$/,
    ],
    [
      "bytes left over",
      binaryBody({ inputs: [{ ...features, parameters: { binary_data_size: 16 } }, extra] }, [
        fp32([1, 2, 3, 4]),
        fp32([1, 2, 3]),
      ]),
      {},
      /^request body: 4 bytes left over after the binary tensors; the inputs' binary_data_size add up to 24 of the 28 bytes after the JSON header$/,
    ],
    [
      "bytes missing",
      binaryBody({ inputs: [{ ...features, parameters: { binary_data_size: 16 } }, extra] }, [
        fp32([1, 2, 3, 4]),
        fp32([1]),
      ]),
      {},
      /^inputs\[1\]\.parameters\.binary_data_size: 8 bytes expected at offset 16 after the JSON header, but only 4 follow$/,
    ],
    [
      "both data and binary_data_size",
      binaryBody({ inputs: [{ ...features, data: [1, 2, 3, 4], parameters: { binary_data_size: 16 } }, extra] }, [
        fp32([1, 2, 3, 4]),
        fp32([1, 2]),
      ]),
      {},
      /^inputs\[0\]: expected either 'data' or parameters\.binary_data_size, got both$/,
    ],
    [
      "an INT32 tensor for an FP32 input",
      binaryBody({ inputs: [{ ...features, datatype: "INT32", parameters: { binary_data_size: 16 } }, extra] }, [
        int32([1, 2, 3, 4]),
        fp32([1, 2]),
      ]),
      {},
      /^inputs\[0\]\.datatype: input 'features' takes FP32 \(or FP16\/FP64\), got INT32$/,
    ],
  ])("%s is a 400 naming the field", async (_what, made, headers, message) => {
    const res = await postBinary(path, made, headers);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(message);
  });

  it("arrays nested 10,000 deep in the JSON header are a 400, not a stack overflow", async () => {
    const nested = `${"[".repeat(10_000)}1${"]".repeat(10_000)}`;
    const header = new TextEncoder().encode(
      `{"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32", "data": ${nested}}, {"name": "extra", "shape": [1, 2], "datatype": "FP32", "parameters": {"binary_data_size": 8}}]}`,
    );
    const res = await postBinary("/v2/models/tiny_layers/versions/1/infer", {
      body: concat([header, fp32([1, 2])]),
      headerLength: header.length,
    });
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    expect(res.json.error).toMatch(/^inputs\[0\]\.data: arrays may be nested at most 32 deep/);
  });

  it("BYTES element lengths running past the end are a 400", async () => {
    const made = binaryBody(
      {
        inputs: [
          { name: "text", shape: [2], datatype: "BYTES", parameters: { binary_data_size: 11 } },
          { name: "count", shape: [2], datatype: "INT32", parameters: { binary_data_size: 8 } },
        ],
      },
      [concat([bytesElements(["ab"]), uint32([50]), new Uint8Array([1])]), int32([1, 2])],
    );
    const res = await postBinary("/v2/models/tiny_text/infer", made);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe(
      "inputs[0] (binary data) element 1: length 50 runs past the end of the tensor's 11 bytes (binary_data_size) by 49",
    );
  });

  it("keeps MAX_BODY_BYTES and MAX_ELEMENTS", async () => {
    const small = appWith({ MAX_BODY_BYTES: "64", MAX_ELEMENTS: "8" });
    const headers = {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(good.headerLength),
    };
    const tooBig = await small.post(path, good.body, headers);
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error).toMatch(/request body: at most 64 bytes are allowed/);
    const elements = appWith({ MAX_ELEMENTS: "8" });
    const tooMany = await elements.post(path, good.body, headers);
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error).toBe("inputs[0].shape: at most 8 elements are allowed per tensor, got 12");
  });

  it("refuses a content type that is neither binary nor JSON with 415", async () => {
    const res = await postBinary(path, good, { "content-type": "text/plain" });
    expect(res.status).toBe(415);
    expect(res.json.error).toBe(
      "Content-Type: expected application/octet-stream for a binary tensor body, got 'text/plain'",
    );
  });
});
