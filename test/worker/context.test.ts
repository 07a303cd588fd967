/**
 * Declarative context inside workerd (docs/byo-model-with-context.md): a model published to the
 * repository with a manifest `context` section answers with context read from Miniflare's real KV,
 * over v1, v2 and RPC, with no Worker code. Each lookup status has its documented outcome; the
 * scores are checked against the bare model (bundled tiny_graph) fed features computed here.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BUNDLED_MODELS } from "../../src/adapters/bundled/models.generated.ts";
import type { Predictor as PredictorContract } from "../../src/client.ts";
import { Predictor } from "../../src/rpc/predictor.ts";
import { appWith, envWith } from "../support/app-with.ts";
import { client } from "../support/client.ts";
import { distinctFiles, identityOf } from "../support/repository.ts";

const api = client((url, init) => exports.default.fetch(url, init));
const rpc = () => (env as unknown as { SELF_RPC: Service<PredictorContract> }).SELF_RPC;
const load = (model: string, version: number) =>
  BUNDLED_MODELS.find((m) => m.name === model)!.versions.find((v) => v.version === version)!.files;

const AS_OF = "2026-03-01T12:00:00Z";
const ago = (seconds: number) => new Date(Date.parse(AS_OF) - seconds * 1000).toISOString();

const context = (required = false) => ({
  fields: [
    { name: "id", dtype: "string", description: "customer id" },
    { name: "amount", dtype: "float32", range: [0, 1000] },
  ],
  lookups: [
    {
      name: "user",
      key: "ctxtest:user:{id}",
      max_age_s: 3600,
      required,
      fields: [{ name: "spend", dtype: "float32", default: 5 }],
    },
    {
      name: "region",
      key: "ctxtest:region:{id}",
      max_age_s: 60,
      stale: "flag",
      fields: [{ name: "rate", dtype: "float32", default: 1 }],
    },
  ],
  features: [
    { from: "amount", transforms: [{ kind: "log1p" }] },
    { from: "user.spend", transforms: [{ kind: "standardize", mean: 10, std: 5 }] },
    { from: "user.spend", transforms: [{ kind: "missing" }] },
    { from: "region.rate", transforms: [{ kind: "clip", min: 0, max: 2 }] },
  ],
});

/** Publishes tiny_graph's weights under `name` with a context section (the layout the CLI writes). */
async function publishWithContext(name: string, required = false): Promise<void> {
  const files = distinctFiles(load, "tiny_graph", 1, `${name}/1`);
  const manifest = JSON.parse(new TextDecoder().decode(files["manifest.json"]));
  manifest.name = name;
  manifest.context = context(required);
  files["manifest.json"] = new TextEncoder().encode(JSON.stringify(manifest)).buffer as ArrayBuffer;
  for (const [file, bytes] of Object.entries(files)) await env.MODELS.put(`models/${name}/1/${file}`, bytes);
  await env.REGISTRY.put(
    `model:${name}`,
    JSON.stringify({ versions: { 1: { sha256: identityOf(files) } }, labels: {}, canary_percent: 0 }),
  );
}

/** The declared features computed here, from the spec's formulas. */
function features(amount: number, spend: number | undefined, rate: number): number[] {
  const s = spend ?? 5;
  return [Math.log1p(amount), (s - 10) / 5, spend === undefined ? 1 : 0, Math.min(2, Math.max(0, rate))];
}

/** tiny_graph's own answer for a feature vector (the bundled model, no context). */
async function bare(x: number[]): Promise<number> {
  const res = await api.post("/v1/models/tiny_graph/versions/1:predict", { instances: [x] });
  return res.json.predictions[0][0];
}

describe("a model with a declared context", () => {
  it("answers over v1, v2 and RPC with context from KV; statuses on request only", async () => {
    await publishWithContext("ctx_basic");
    await env.CONTEXT.put("ctxtest:user:a", JSON.stringify({ spend: 30, updated_at: ago(100) }));
    await env.CONTEXT.put("ctxtest:region:a", JSON.stringify({ rate: 3.5, updated_at: ago(10) }));
    const expected = await bare(features(20, 30, 3.5));

    const quiet = await api.post("/v1/models/ctx_basic:predict", {
      as_of: AS_OF,
      instances: [{ id: "a", amount: 20 }],
    });
    expect(quiet.status, quiet.text).toBe(200);
    expect(quiet.json.predictions[0][0]).toBeCloseTo(expected, 5);
    expect(quiet.headers.get("server-timing")).toMatch(/kv;dur=/);

    const v1 = await api.post("/v1/models/ctx_basic:predict", {
      as_of: AS_OF,
      context: true,
      instances: [{ id: "a", amount: 20, key: "k1" }],
    });
    expect(v1.status, v1.text).toBe(200);
    const [row] = v1.json.predictions;
    expect(row.key).toBe("k1");
    expect(row.score[0]).toBeCloseTo(expected, 5);
    expect(row.context.lookups).toEqual({
      user: { key: "ctxtest:user:a", status: "present", updated_at: ago(100), values: { spend: 30 } },
      region: { key: "ctxtest:region:a", status: "present", updated_at: ago(10), values: { rate: 3.5 } },
    });
    expect(row.context.degraded).toBe(false);

    const v2 = await api.post("/v2/models/ctx_basic/infer", {
      parameters: { as_of: AS_OF, context: true },
      inputs: [
        { name: "id", shape: [1], datatype: "BYTES", data: ["a"] },
        { name: "amount", shape: [1], datatype: "FP32", data: [20] },
      ],
    });
    expect(v2.status, v2.text).toBe(200);
    expect(v2.json.outputs.map((o: { name: string }) => o.name)).toEqual(["score", "context"]);
    expect(v2.json.outputs[0].data[0]).toBeCloseTo(expected, 5);
    expect(JSON.parse(v2.json.outputs[1].data[0]).lookups.user.status).toBe("present");

    const viaRpc = await rpc().predict("ctx_basic", [{ id: "a", amount: 20 }], { asOf: AS_OF, context: true });
    expect((viaRpc.predictions[0] as { score: number[] }).score[0]).toBeCloseTo(expected, 5);
    const meta = await api.get("/v2/models/ctx_basic");
    expect(meta.json.inputs).toEqual([
      { name: "id", datatype: "BYTES", shape: [-1] },
      { name: "amount", datatype: "FP32", shape: [-1] },
    ]);
    expect(meta.json.parameters.context.lookups[0].key).toBe("ctxtest:user:{id}");
    expect(meta.json.parameters.context.feature_names).toEqual(["amount", "user.spend", "user.spend", "region.rate"]);
  });

  it("missing, stale (default and flag), future and malformed values: documented statuses and values", async () => {
    await publishWithContext("ctx_status");
    const put = (key: string, value: unknown) => env.CONTEXT.put(key, JSON.stringify(value));
    await put("ctxtest:user:stale", { spend: 40, updated_at: ago(7200) });
    await put("ctxtest:region:stale", { rate: 0.5, updated_at: ago(120) });
    await put("ctxtest:user:future", { spend: 40, updated_at: "2026-03-01T12:00:01Z" });
    await put("ctxtest:user:bad", { spend: "forty", updated_at: ago(1) });
    await env.CONTEXT.put("ctxtest:region:bad", "{not json");
    const res = await api.post("/v1/models/ctx_status:predict", {
      as_of: AS_OF,
      context: true,
      instances: ["missing", "stale", "future", "bad"].map((id) => ({ id, amount: 1 })),
    });
    expect(res.status, res.text).toBe(200);
    const statuses = res.json.predictions.map((p: { context: { lookups: Record<string, { status: string }> } }) => [
      p.context.lookups.user!.status,
      p.context.lookups.region!.status,
    ]);
    expect(statuses).toEqual([
      ["missing", "missing"],
      ["stale", "stale"],
      ["future", "missing"],
      ["error", "error"],
    ]);
    const [missing, stale, future, bad] = res.json.predictions;
    expect(stale.context.lookups.user.values).toEqual({ spend: 5 }); // default policy: defaults
    expect(stale.context.lookups.region.values).toEqual({ rate: 0.5 }); // flag policy: the value, flagged
    expect(future.context.lookups.user.values).toEqual({ spend: 5 });
    expect(bad.context.degraded).toBe(true); // an unparsable stored value
    expect(missing.score[0]).toBeCloseTo(await bare(features(1, undefined, 1)), 5);
    expect(stale.score[0]).toBeCloseTo(await bare(features(1, undefined, 0.5)), 5);

    // The same rows over v2 and RPC: the same statuses.
    const ids = ["missing", "stale", "future", "bad"];
    const v2 = await api.post("/v2/models/ctx_status/infer", {
      parameters: { as_of: AS_OF, context: true },
      inputs: [
        { name: "id", shape: [4], datatype: "BYTES", data: ids },
        { name: "amount", shape: [4], datatype: "FP32", data: [1, 1, 1, 1] },
      ],
    });
    expect(v2.status, v2.text).toBe(200);
    const v2Statuses = v2.json.outputs[1].data.map((c: string) => {
      const { lookups } = JSON.parse(c);
      return [lookups.user.status, lookups.region.status];
    });
    expect(v2Statuses).toEqual(statuses);
    const viaRpc = await rpc().predict(
      "ctx_status",
      ids.map((id) => ({ id, amount: 1 })),
      { asOf: AS_OF, context: true },
    );
    const rpcStatuses = (viaRpc.predictions as Array<{ context: { lookups: Record<string, { status: string }> } }>).map(
      (p) => [p.context.lookups.user!.status, p.context.lookups.region!.status],
    );
    expect(rpcStatuses).toEqual(statuses);
  });

  it("a required lookup that is missing is a 400 naming the key, over v1, v2 and RPC", async () => {
    await publishWithContext("ctx_required", true);
    const message = "instances[0]: required context 'ctxtest:user:nobody' (lookup 'user') is not in the store";
    const v1 = await api.post("/v1/models/ctx_required:predict", { instances: [{ id: "nobody", amount: 1 }] });
    expect([v1.status, v1.json]).toEqual([400, { error: message }]);
    const v2 = await api.post("/v2/models/ctx_required/infer", {
      inputs: [
        { name: "id", shape: [1], datatype: "BYTES", data: ["nobody"] },
        { name: "amount", shape: [1], datatype: "FP32", data: [1] },
      ],
    });
    expect([v2.status, v2.json]).toEqual([400, { error: message.replace("instances[0]", "inputs row 0") }]);
    // The entrypoint called directly: through SELF_RPC this rejection, awaited by the caller, is
    // also reported to vitest as an unhandled rejection. workerd reports a rejection as soon as it
    // has no handler and retracts it with `rejectionHandled` when the RPC layer attaches one a
    // microtask later; vitest 4.1 hears only the first (vitest-dev/vitest#10960, the same leak for
    // Durable Object RPC: cloudflare/workers-sdk#14736). It shows here since the lean path (issue
    // 22) answers this model without a macrotask. RPC errors through the binding stay covered by
    // the case table in rpc.test.ts.
    const direct = new Predictor(createExecutionContext(), env);
    await expect(direct.predict("ctx_required", [{ id: "nobody", amount: 1 }])).rejects.toThrow(
      `ServeError [INVALID_INPUT 400]: ${message}`,
    );
  });

  it("bad as_of, out-of-range fields and a bad context flag are 400s naming the field", async () => {
    await publishWithContext("ctx_bad");
    const v1 = await api.post("/v1/models/ctx_bad:predict", {
      as_of: "yesterday",
      instances: [{ id: "a", amount: 1 }],
    });
    expect(v1.status).toBe(400);
    expect(v1.json.error).toMatch(/^as_of: expected an ISO 8601 instant/);
    const range = await api.post("/v1/models/ctx_bad:predict", { instances: [{ id: "a", amount: 5000 }] });
    expect(range.json).toEqual({ error: "instances[0].amount: expected a number in [0, 1000], got the number 5000" });
    const flag = await api.post("/v1/models/ctx_bad:predict", { context: "yes", instances: [{ id: "a", amount: 1 }] });
    expect(flag.json).toEqual({ error: 'context: expected a boolean, got the string "yes"' });
    const v2 = await api.post("/v2/models/ctx_bad/infer", {
      parameters: { context: 1 },
      inputs: [
        { name: "id", shape: [1], datatype: "BYTES", data: ["a"] },
        { name: "amount", shape: [1], datatype: "FP32", data: [1] },
      ],
    });
    expect(v2.json).toEqual({ error: "parameters.context: expected a boolean, got the number 1" });
  });

  it.each([
    ["errors", { get: async () => Promise.reject(new Error("KV is down")) }],
    ["never answers", { get: () => new Promise(() => {}) }],
  ])("degrades with defaults (never a 5xx) when KV %s, over v1 and v2", async (_what, kv) => {
    await publishWithContext("ctx_kvfail");
    const app = appWith({ CONTEXT: kv, KV_TIMEOUT_MS: "50" });
    const v1 = await app.post("/v1/models/ctx_kvfail:predict", { context: true, instances: [{ id: "a", amount: 20 }] });
    expect(v1.status, v1.text).toBe(200);
    const [row] = v1.json.predictions;
    expect(row.context.degraded).toBe(true);
    expect([row.context.lookups.user.status, row.context.lookups.region.status]).toEqual(["error", "error"]);
    expect(row.score[0]).toBeCloseTo(await bare(features(20, undefined, 1)), 5);
    const v2 = await app.post("/v2/models/ctx_kvfail/infer", {
      parameters: { context: true },
      inputs: [
        { name: "id", shape: [1], datatype: "BYTES", data: ["a"] },
        { name: "amount", shape: [1], datatype: "FP32", data: [20] },
      ],
    });
    expect(v2.status, v2.text).toBe(200);
    expect(JSON.parse(v2.json.outputs[1].data[0]).degraded).toBe(true);
    // …and over RPC, the entrypoint class on the same failing KV.
    const direct = new Predictor(createExecutionContext(), envWith({ CONTEXT: kv, KV_TIMEOUT_MS: "50" }));
    const viaRpc = await direct.predict("ctx_kvfail", [{ id: "a", amount: 20 }], { context: true });
    const [p] = viaRpc.predictions as Array<{ score: number[]; context: { degraded: boolean } }>;
    expect(p!.context.degraded).toBe(true);
    expect(p!.score[0]).toBeCloseTo(row.score[0], 6);
  });
});
