/** Status, metadata, health and repository routes, per the TF Serving and KServe v2 specs. */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Predictor as PredictorContract } from "../../src/client.ts";
import { client } from "../support/client.ts";

const api = client((url, init) => exports.default.fetch(url, init));
const row = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };

describe("TF Serving v1", () => {
  it("reports every version's status, newest first", async () => {
    const res = await api.get("/v1/models/tiny_layers");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      model_version_status: ["2", "1"].map((version) => ({
        version,
        state: "AVAILABLE",
        status: { error_code: "OK", error_message: "" },
      })),
    });
  });

  it("resolves labels and versions in status and predict", async () => {
    expect((await api.get("/v1/models/tiny_layers/labels/canary")).json.model_version_status[0].version).toBe("2");
    expect((await api.get("/v1/models/tiny_layers/versions/1")).json.model_version_status).toHaveLength(1);
    const stable = await api.post("/v1/models/tiny_layers/labels/stable:predict", { instances: [row] });
    expect(stable.headers.get("x-model-version")).toBe("1");
    const canary = await api.post("/v1/models/tiny_layers/versions/2:predict", { instances: [row] });
    expect(canary.headers.get("x-model-version")).toBe("2");
    // Different weights answer differently: the label really switched the version.
    expect(canary.json).not.toEqual(stable.json);
    // Unqualified requests follow the `stable` label (not the latest version, 2).
    const unqualified = await api.post("/v1/models/tiny_layers:predict", { instances: [row] });
    expect(unqualified.headers.get("x-model-version")).toBe("1");
    expect(unqualified.json).toEqual(stable.json);
  });

  it("answers metadata as a signature_def", async () => {
    const res = await api.get("/v1/models/tiny_graph/versions/1/metadata");
    expect(res.status).toBe(200);
    expect(res.json.model_spec).toEqual({ name: "tiny_graph", signature_name: "", version: "1" });
    const sig = res.json.metadata.signature_def.signature_def.serving_default;
    expect(sig.method_name).toBe("tensorflow/serving/predict");
    expect(sig.inputs.x).toEqual({
      dtype: "DT_FLOAT",
      tensor_shape: {
        dim: [
          { size: "-1", name: "" },
          { size: "4", name: "" },
        ],
        unknown_rank: false,
      },
      name: "x",
    });
    expect(Object.keys(sig.outputs)).toEqual(["score"]);
    // A SignatureDef as TF Serving prints one (its testdata saved_model_half_plus_two_2_versions_metadata.json):
    // these four keys in this order, `defaults` the empty map of default inputs.
    expect(Object.keys(sig)).toEqual(["inputs", "outputs", "method_name", "defaults"]);
    expect(sig.defaults).toEqual({});
  });

  it("echoes pass-through keys with each prediction", async () => {
    const res = await api.post("/v1/models/tiny_graph:predict", {
      instances: [
        { x: [1, 2, 3, 4], key: "a-1" },
        { x: [4, 3, 2, 1], key: 42 },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.predictions.map((p: { key: unknown }) => p.key)).toEqual(["a-1", 42]);
    expect(res.json.predictions[0].score).toHaveLength(1);
  });

  it("prints whole float outputs as TF Serving does (1.0 and 0.0, not 1 and 0)", async () => {
    // Inputs far out saturate the sigmoid and softmax heads to exactly 0 and 1 in float32.
    const far = { features: [1000, -1000, 1000, -1000], extra: [1000, -1000] };
    const res = await api.post("/v1/models/tiny_layers/versions/1:predict", { instances: [far] });
    expect(res.status, res.text).toBe(200);
    const numbers = res.text.match(/-?\d[\d.e+-]*/g) ?? [];
    expect(numbers.length).toBe(4); // score[1] + probs[3]
    expect(numbers.filter((n) => n === "1.0" || n === "0.0").length).toBeGreaterThan(0);
    expect(
      numbers.every((n) => /[.e]/.test(n)),
      res.text,
    ).toBe(true);
  });

  it("refuses unknown paths with a JSON 404", async () => {
    const res = await api.get("/v1/nothing");
    expect(res.status).toBe(404);
    expect(res.json.error).toMatch(/no route for GET \/v1\/nothing/);
  });

  // TF Serving's own UnsupportedApiCalls test (model_servers/http_rest_api_handler_test.cc) expects
  // 400 "Malformed request" for each of these; here a path outside the grammar is a 404 and a wrong
  // method a 405 with Allow, as docs/protocol-differences.md lists with the reasons.
  it.each([
    ["GET", "/v1/foo", 404, /^no route for GET \/v1\/foo;/],
    ["POST", "/v1/foo", 404, /^no route for POST \/v1\/foo;/],
    ["GET", "/v1/models", 404, /^no route for \/v1\/models; expected \/v1\/models\/<name>/],
    ["POST", "/v1/models", 404, /^no route for \/v1\/models; expected \/v1\/models\/<name>/],
    ["GET", "/v1/models/foo/version/50:predict", 404, /^no route for \/v1\/models\/foo\/version\/50:predict; expected/],
    ["POST", "/v1/models/foo/version/50:regress", 404, /^no route for .*; expected \/v1\/models\/<name>/],
    ["POST", "/v1/models/foo/versions/HELLO:regress", 400, /^version: expected a non-negative integer/],
    ["POST", "/v1/models/foo/versions/18446744073709551615:predict", 400, /at most 2\^53-1/],
  ] as const)("%s %s: %i, a JSON error", async (method, path, status, error) => {
    const res = await api.call(method, path, method === "POST" ? { instances: [row] } : undefined);
    expect(res.status, res.text).toBe(status);
    expect(res.json.error).toMatch(error);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it.each([
    ["GET", "/v1/models/tiny_layers:predict", "POST"],
    ["PUT", "/v1/models/tiny_layers/versions/1:predict", "POST"],
    ["POST", "/v1/models/tiny_layers/metadata", "GET"],
    ["DELETE", "/v1/models/tiny_layers/labels/stable", "GET"],
  ] as const)("%s %s: 405 with Allow: %s", async (method, path, allow) => {
    const res = await api.call(method, path, method === "GET" ? undefined : { instances: [row] });
    expect(res.status, res.text).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect(res.json).toEqual({ error: `${method} is not allowed here; use ${allow}` });
  });
});

describe("Open Inference Protocol v2", () => {
  it("answers server metadata, liveness and readiness", async () => {
    const meta = await api.get("/v2");
    // Only whole extensions: the repository's load/unload cannot exist in a stateless server (below).
    expect(meta.json).toEqual({
      name: "stateless-serve",
      version: expect.any(String),
      extensions: ["binary_tensor_data", "classification", "statistics"],
    });
    const slash = await api.get("/v2/");
    expect(slash.status).toBe(200);
    expect(slash.json).toEqual(meta.json);
    expect((await api.get("/v2/health/live")).json).toEqual({ live: true });
    expect((await api.get("/v2/health/ready")).json).toEqual({ ready: true });
  });

  it("answers model metadata with datatypes and -1 for variable dimensions", async () => {
    const res = await api.get("/v2/models/tiny_text");
    expect(res.json).toEqual({
      name: "tiny_text",
      versions: ["1"],
      platform: "tensorflowjs_graph",
      inputs: [
        { name: "text", datatype: "BYTES", shape: [-1] },
        { name: "count", datatype: "INT32", shape: [-1] },
      ],
      outputs: [
        { name: "probs", datatype: "FP32", shape: [-1, 2] },
        { name: "class", datatype: "INT32", shape: [-1] },
      ],
      parameters: { runtime: "tfjs" },
    });
    const versioned = await api.get("/v2/models/tiny_layers/versions/1");
    expect(versioned.json.versions).toEqual(["1"]);
    expect(versioned.json.platform).toBe("tensorflowjs_layers");
    expect((await api.get("/v2/models/tiny_layers")).json.versions).toEqual(["1", "2"]);
  });

  it("reports model readiness", async () => {
    expect((await api.get("/v2/models/tiny_graph/ready")).json).toEqual({ name: "tiny_graph", ready: true });
    expect((await api.get("/v2/models/ghost/ready")).status).toBe(404);
  });

  it("answers only the outputs asked for, in the order asked", async () => {
    const res = await api.post("/v2/models/tiny_text/infer", {
      inputs: [
        { name: "text", shape: [2], datatype: "BYTES", data: ["hello", "world"] },
        { name: "count", shape: [2], datatype: "INT32", data: [1, 2] },
      ],
      outputs: [{ name: "class" }],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.outputs.map((o: { name: string }) => o.name)).toEqual(["class"]);
    expect(res.json.outputs[0]).toMatchObject({ datatype: "INT32", shape: [2] });
    expect("id" in res.json).toBe(false);
  });

  it("answers the classification extension: top-k as BYTES value:index:label, labels from the manifest", async () => {
    const inputs = [
      { name: "text", shape: [3], datatype: "BYTES" as const, data: ["hello", "world", "café"] },
      { name: "count", shape: [3], datatype: "INT32" as const, data: [1, -2, 7] },
    ];
    const plain = await api.post("/v2/models/tiny_text/infer", { inputs });
    const probs: number[] = plain.json.outputs.find((o: { name: string }) => o.name === "probs").data;
    const argmax: number[] = plain.json.outputs.find((o: { name: string }) => o.name === "class").data;
    const res = await api.post("/v2/models/tiny_text/infer", {
      inputs,
      outputs: [{ name: "probs", parameters: { classification: 2 } }],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.outputs).toHaveLength(1);
    expect(res.json.outputs[0]).toMatchObject({ name: "probs", datatype: "BYTES", shape: [3, 2] });
    const labels = ["negative", "positive"];
    res.json.outputs[0].data.forEach((entry: string, i: number) => {
      const row = Math.floor(i / 2);
      // The first class of each row is the model's own argmax output; the second is the other one.
      const index = i % 2 === 0 ? argmax[row]! : 1 - argmax[row]!;
      const [value, at, label] = entry.split(":");
      expect([Number(at), label]).toEqual([index, labels[index]]);
      expect(Math.fround(Number(value))).toBe(Math.fround(probs[row * 2 + index]!));
    });
    // Over RPC, the same request gives the same tensor.
    const bound = (env as unknown as { SELF_RPC: Service<PredictorContract> }).SELF_RPC;
    const viaRpc = await bound.infer("tiny_text", {
      inputs,
      outputs: [{ name: "probs", parameters: { classification: 2 } }],
    });
    expect(viaRpc.outputs[0]).toEqual(res.json.outputs[0]);
  });

  it("explains that models load on demand when asked to load or unload one", async () => {
    for (const action of ["load", "unload"]) {
      const res = await api.post(`/v2/repository/models/tiny_graph/${action}`, {});
      expect(res.status).toBe(400);
      expect(Object.keys(res.json)).toEqual(["error"]);
      expect(res.json.error).toMatch(new RegExp(`^${action}: .*load on demand.*stateless`));
    }
    expect((await api.post("/v2/repository/models/tiny_graph/load")).status).toBe(400);
  });

  it("indexes the repository, one row per version", async () => {
    const res = await api.post("/v2/repository/index");
    expect(res.status).toBe(200);
    expect(res.json).toContainEqual({ name: "tiny_layers", version: "2", state: "READY", reason: "" });
    expect(res.json.filter((r: { name: string }) => r.name === "tiny_layers")).toHaveLength(2);
    expect((await api.post("/v2/repository/index", { ready: "yes" })).status).toBe(400);
  });
});

describe("tensor hygiene", () => {
  it("leaves tf.memory().numTensors where each request found it, errors included", async () => {
    await api.post("/v1/models/tiny_layers:predict", { instances: [row] }); // warm: memoised weights stay
    const before = (await api.get("/_internal/memory")).json.numTensors;
    for (const body of [
      { instances: [row, row] },
      {
        inputs: {
          features: [[1, 2, 3, 4]],
          extra: [
            [1, 2],
            [3, 4],
          ],
        },
      },
      { instances: [{ x: 1 }] },
    ]) {
      await api.post("/v1/models/tiny_layers:predict", body);
      await api.post("/v1/models/tiny_text:predict", { instances: [{ text: "a", count: 2 }] });
      expect((await api.get("/_internal/memory")).json.numTensors).toBe(before);
    }
  });
});
