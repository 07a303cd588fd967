/**
 * Compressed request bodies (`Content-Encoding: gzip` or `deflate`, as tritonclient sends them with
 * `request_compression_algorithm`, and TF Serving's HTTP server reads): decoded before parsing, with
 * MAX_BODY_BYTES applied to the decoded size, so a zip bomb is refused without decoding it all.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appWith } from "../support/app-with.ts";
import { client } from "../support/client.ts";

const api = client((url, init) => exports.default.fetch(url, init));
const V1 = "/v1/models/tiny_layers/versions/1:predict";
const V2 = "/v2/models/tiny_layers/versions/1/infer";
const row = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };
const v2Body = {
  inputs: [
    { name: "features", shape: [1, 4], datatype: "FP32", data: [0.1, 0.2, 0.3, 0.4] },
    { name: "extra", shape: [1, 2], datatype: "FP32", data: [1, 2] },
  ],
};

/** Compressed with the platform's own CompressionStream (an independent encoder). */
async function compress(bytes: Uint8Array, format: "gzip" | "deflate"): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
const utf8 = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const json = { "content-type": "application/json" };

describe("Content-Encoding of request bodies", () => {
  it.each([
    ["gzip", V1, { instances: [row] }],
    ["deflate", V1, { instances: [row] }],
    ["gzip", V2, v2Body],
    ["deflate", V2, v2Body],
  ] as const)("decodes a %s body on %s to the same answer as the plain body", async (format, path, body) => {
    const plain = await api.post(path, body);
    expect(plain.status, plain.text).toBe(200);
    const packed = await compress(utf8(body), format);
    const res = await api.post(path, packed, { ...json, "content-encoding": format });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe(plain.text);
  });

  it("decodes a gzip body in the binary tensor data extension", async () => {
    const header = utf8({
      inputs: v2Body.inputs.map(({ data, ...t }) => ({ ...t, parameters: { binary_data_size: data.length * 4 } })),
    });
    const tensors = new Uint8Array(new Float32Array([0.1, 0.2, 0.3, 0.4, 1, 2]).buffer);
    const body = new Uint8Array([...header, ...tensors]);
    const res = await api.post(V2, await compress(body, "gzip"), {
      "content-type": "application/octet-stream",
      "content-encoding": "gzip",
      "inference-header-content-length": String(header.byteLength),
    });
    expect(res.status, res.text).toBe(200);
    const plain = await api.post(V2, v2Body);
    expect(res.json.outputs.map((o: { data: number[] }) => o.data)).toEqual(
      plain.json.outputs.map((o: { data: number[] }) => o.data),
    );
  });

  it("applies MAX_BODY_BYTES to the decoded size: a zip bomb gets 413", async () => {
    const limited = appWith({ MAX_BODY_BYTES: "100000" });
    // 50 MB of spaces then a JSON body: about 50 KB compressed, far under the limit.
    const bomb = new Uint8Array(50_000_000 + 20).fill(0x20);
    bomb.set(utf8('{"instances":[]}'), 50_000_000);
    const packed = await compress(bomb, "gzip");
    expect(packed.byteLength).toBeLessThan(100_000);
    for (const path of [V1, V2]) {
      const res = await limited.post(path, packed, { ...json, "content-encoding": "gzip" });
      expect(res.status).toBe(413);
      expect(res.json).toEqual({
        error: "request body: at most 100000 bytes are allowed once decoded (gzip), got more",
      });
    }
  });

  it("refuses an unknown encoding with 415 and corrupt compressed data with 400", async () => {
    for (const path of [V1, V2]) {
      const br = await api.post(path, utf8({ instances: [row] }), { ...json, "content-encoding": "br" });
      expect(br.status).toBe(415);
      expect(br.json).toEqual({ error: "Content-Encoding: expected gzip, deflate or identity, got 'br'" });
      const corrupt = await api.post(path, utf8({ instances: [row] }), { ...json, "content-encoding": "gzip" });
      expect(corrupt.status).toBe(400);
      expect(corrupt.json.error).toMatch(/^request body: not valid gzip data/);
    }
    const identity = await api.post(V1, { instances: [row] }, { ...json, "content-encoding": "identity" });
    expect(identity.status).toBe(200);
  });
});
