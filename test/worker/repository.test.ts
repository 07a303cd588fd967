/**
 * The model repository inside workerd, on Miniflare's real local KV (REGISTRY) and R2 (MODELS):
 * versions published to R2 serve through v1 and v2 like bundled ones, labels switch without a
 * restart, a canary takes its share sticky per key, and broken or unreachable artifacts get a
 * 503 naming the version while everything else keeps serving.
 */

import { env, exports } from "cloudflare:workers";
import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { BUNDLED_MODELS } from "../../src/adapters/bundled/models.generated.ts";
import type { Predictor as PredictorContract } from "../../src/client.ts";
import { appWith } from "../support/app-with.ts";
import { client } from "../support/client.ts";
import { expectClose, REFERENCE } from "../support/reference.ts";
import {
  bucketOf,
  distinctFiles as distinct,
  forgetCached,
  identityOf,
  type Published,
  publishFiles,
  publish as publishTo,
  withManifest,
} from "../support/repository.ts";

const load = (model: string, version: number) =>
  BUNDLED_MODELS.find((m) => m.name === model)!.versions.find((v) => v.version === version)!.files;
const distinctFiles = (model: string, version: number, as: string) => distinct(load, model, version, as);
const publish = (name: string, spec: Published) =>
  publishTo({ kv: env.REGISTRY, bucket: env.MODELS, load }, name, spec);
const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const api = client((url, init) => exports.default.fetch(url, init));
const tiny = (version: number) => ({ from: { model: "tiny_layers", version } });
const reference = (version: number) =>
  REFERENCE.models.find((m) => m.name === "tiny_layers" && m.version === version)!.cases[0]!;
const row = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };
const v2Body = (id?: string) => ({
  ...(id === undefined ? {} : { id }),
  inputs: [
    { name: "features", shape: [1, 4], datatype: "FP32", data: row.features },
    { name: "extra", shape: [1, 2], datatype: "FP32", data: row.extra },
  ],
});

describe("a version published to R2", () => {
  it("serves v1 and v2 like a bundled one, matching the reference outputs of its files", async () => {
    await publish("r2_serve", { versions: { 7: tiny(2) } });
    const c = reference(2);
    const v1 = await api.post("/v1/models/r2_serve/versions/7:predict", { inputs: c.inputs });
    expect(v1.status, v1.text).toBe(200);
    expect(v1.headers.get("x-model-version")).toBe("7");
    expectClose(v1.json.outputs.score, c.outputs.score, REFERENCE.tolerance, "score");

    const v2 = await api.post("/v2/models/r2_serve/infer", v2Body("req-1"));
    expect(v2.status, v2.text).toBe(200);
    expect([v2.json.model_name, v2.json.model_version, v2.json.id]).toEqual(["r2_serve", "7", "req-1"]);
    expect(v2.headers.get("x-model-version")).toBe("7");
    const bundled = await api.post("/v2/models/tiny_layers/versions/2/infer", v2Body("req-1"));
    expect(v2.json.outputs).toEqual(bundled.json.outputs);

    expect((await api.get("/v2/models/r2_serve")).json.versions).toEqual(["7"]);
    expect((await api.get("/v1/models/r2_serve")).json.model_version_status).toEqual([
      { version: "7", state: "AVAILABLE", status: { error_code: "OK", error_message: "" } },
    ]);
    // …and over RPC, through a service binding of the Worker to itself.
    const bound = (env as unknown as { SELF_RPC: Service<PredictorContract> }).SELF_RPC;
    const rpc = await bound.predict("r2_serve", [row], { version: 7 });
    expect([rpc.model_version, rpc.predictions]).toEqual([
      "7",
      (await api.post("/v1/models/r2_serve/versions/7:predict", { instances: [row] })).json.predictions,
    ]);
    const index = await api.post("/v2/repository/index", {});
    expect(index.json).toContainEqual(expect.objectContaining({ name: "r2_serve", version: "7" }));
  });

  it("keeps its weights in the Cache API, addressed by each file's sha256", async () => {
    await publish("r2_cached", { versions: { 1: tiny(1) } });
    expect((await api.post("/v1/models/r2_cached:predict", { instances: [row] })).status).toBe(200);
    const manifest = JSON.parse(
      new TextDecoder().decode(distinctFiles("tiny_layers", 1, "r2_cached/1")["manifest.json"]),
    ) as { files: Record<string, string> };
    for (const sha of Object.values(manifest.files)) {
      const hit = await caches.default.match(`https://artifacts.stateless-serve.internal/sha256/${sha}`);
      expect(hit, sha).toBeDefined();
    }
  });
});

describe("loading from R2", () => {
  it("is single-flight: concurrent first requests read the files once (memo on), or each their own (memo off)", async () => {
    await publish("r2_flight", { versions: { 1: tiny(1) } });
    const reads: string[] = [];
    const counting = { get: (key: string) => (reads.push(key), env.MODELS.get(key)) };
    const app = appWith({ MODELS: counting });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => app.post("/v1/models/r2_flight:predict", { instances: [row] })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const manifestReads = reads.filter((k) => k === "models/r2_flight/1/manifest.json").length;
    expect(manifestReads).toBe(env.MODEL_CACHE === "off" ? 8 : 1);
  });
});

describe("labels in the pointer record", () => {
  it("switch unqualified traffic when `stable` moves, without a restart", async () => {
    await publish("r2_labels", { versions: { 1: tiny(1), 2: tiny(2) }, labels: { stable: 1 } });
    const before = await api.post("/v1/models/r2_labels:predict", { inputs: reference(1).inputs });
    expect(before.headers.get("x-model-version")).toBe("1");
    expectClose(before.json.outputs.score, reference(1).outputs.score, REFERENCE.tolerance);

    const record = JSON.parse((await env.REGISTRY.get("model:r2_labels"))!);
    await env.REGISTRY.put("model:r2_labels", JSON.stringify({ ...record, labels: { stable: 2 } }));
    // With MODEL_CACHE on the isolate may keep the old record up to KV_CACHE_TTL - 30 s
    // (src/adapters/r2/record-memo.ts; test/worker/record-memo.test.ts): move the clock past it.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 30_001);
    const after = await api.post("/v1/models/r2_labels:predict", { inputs: reference(2).inputs });
    expect(after.headers.get("x-model-version")).toBe("2");
    expectClose(after.json.outputs.score, reference(2).outputs.score, REFERENCE.tolerance);
    expect((await api.get("/v1/models/r2_labels/labels/stable")).json.model_version_status[0].version).toBe("2");
    vi.useRealTimers();
  });

  it("follow the latest version when there is no `stable` label", async () => {
    await publish("r2_latest", { versions: { 3: tiny(1), 10: tiny(2) } });
    expect((await api.post("/v1/models/r2_latest:predict", { instances: [row] })).headers.get("x-model-version")).toBe(
      "10",
    );
  });

  it("split default traffic to the canary by a hash of the key, sticky per key", async () => {
    await publish("r2_canary", {
      versions: { 1: tiny(1), 2: tiny(2) },
      labels: { stable: 1, canary: 2 },
      canary_percent: 30,
    });
    const ids = Array.from({ length: 200 }, (_, i) => `order-${i}`);
    const served = new Map<string, string>();
    for (const id of ids) {
      const res = await api.post("/v2/models/r2_canary/infer", v2Body(id));
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("x-model-version")).toBe(res.json.model_version);
      served.set(id, res.json.model_version);
    }
    // Exactly the keys the documented hash puts under 30 go to the canary…
    const expected = ids.filter((id) => bucketOf("r2_canary", id) < 30);
    expect(ids.filter((id) => served.get(id) === "2")).toEqual(expected);
    // …which is about 30% of them.
    expect(expected.length / ids.length).toBeGreaterThan(0.22);
    expect(expected.length / ids.length).toBeLessThan(0.38);
    // Sticky: the same key lands on the same version again, and v1's row `key` routes the same way.
    for (const id of ids.slice(0, 20)) {
      expect((await api.post("/v2/models/r2_canary/infer", v2Body(id))).json.model_version).toBe(served.get(id));
      const v1 = await api.post("/v1/models/r2_canary:predict", { instances: [{ ...row, key: id }] });
      expect(v1.headers.get("x-model-version")).toBe(served.get(id));
    }
    // Explicit labels and versions are never split.
    for (const id of expected.slice(0, 5)) {
      const res = await api.post("/v2/models/r2_canary/versions/1/infer", v2Body(id));
      expect(res.json.model_version).toBe("1");
    }
  });
});

describe("broken or unreachable artifacts", () => {
  it("refuse a version whose shard fails its sha256 with a 503 naming it; other versions keep serving", async () => {
    await publish("r2_corrupt", { versions: { 1: tiny(1), 2: tiny(2) } });
    // Shards are shared with other tests' artifacts: drop them from the Cache API, as in a new location.
    await forgetCached(caches.default, distinctFiles("tiny_layers", 2, "r2_corrupt/2"));
    const shard = new Uint8Array(distinctFiles("tiny_layers", 2, "r2_corrupt/2")["group1-shard1of2.bin"]!.slice(0));
    shard[0] = shard[0]! ^ 0xff;
    await env.MODELS.put("models/r2_corrupt/2/group1-shard1of2.bin", shard);
    const bad = await api.post("/v1/models/r2_corrupt/versions/2:predict", { instances: [row] });
    expect(bad.status).toBe(503);
    expect(bad.json.error).toMatch(/model 'r2_corrupt' version 2 failed its integrity check: 'group1-shard1of2.bin'/);
    expect((await api.post("/v1/models/r2_corrupt/versions/1:predict", { instances: [row] })).status).toBe(200);
  });

  it("refuse a version with a missing shard, naming the file", async () => {
    // A shard no other test has: the Cache API (shared by the test files running beside this one,
    // content-addressed) can never hold it, so R2 losing it leaves nowhere to read it from.
    const files = distinctFiles("tiny_layers", 1, "r2_missing/1");
    const shard = new Uint8Array(files["group1-shard2of2.bin"]!.slice(0));
    shard[shard.length - 1] = shard[shard.length - 1]! ^ 0x01;
    const unique = withManifest({ ...files, "group1-shard2of2.bin": shard.buffer }, (m) => {
      (m as unknown as { files: Record<string, string> }).files["group1-shard2of2.bin"] = sha256Hex(shard);
    });
    await publishFiles({ kv: env.REGISTRY, bucket: env.MODELS }, "r2_missing", { 1: unique });
    await env.MODELS.delete("models/r2_missing/1/group1-shard2of2.bin");
    const res = await api.post("/v2/models/r2_missing/infer", v2Body());
    expect(res.status).toBe(503);
    expect(res.json.error).toBe(
      "model 'r2_missing' version 1: 'models/r2_missing/1/group1-shard2of2.bin' is missing from the model repository",
    );
  });

  it("refuse a record whose sha256 names other files", async () => {
    await publish("r2_identity", { versions: { 1: tiny(1) } });
    await env.REGISTRY.put(
      "model:r2_identity",
      JSON.stringify({ versions: { 1: { sha256: identityOf(distinctFiles("tiny_layers", 2, "elsewhere")) } } }),
    );
    const res = await api.post("/v1/models/r2_identity:predict", { instances: [row] });
    expect(res.status).toBe(503);
    expect(res.json.error).toMatch(
      /model 'r2_identity' version 1: its files and manifest are not the artifact the r2 index names/,
    );
  });

  it("answer 503 for R2 versions when R2 fails, while bundled models keep serving", async () => {
    await publish("r2_down", { versions: { 1: tiny(1) } });
    const failing = {
      get: async () => {
        throw new Error("R2 is down");
      },
    };
    const down = appWith({ MODELS: failing });
    const res = await down.post("/v1/models/r2_down:predict", { instances: [row] });
    expect(res.status).toBe(503);
    expect(res.json.error).toBe("model 'r2_down' version 1: the model repository (R2) is unavailable: R2 is down");
    expect((await down.post("/v1/models/tiny_layers:predict", { instances: [row] })).status).toBe(200);
  });

  it("answer 503 for repository models when the registry KV fails, while bundled models keep serving", async () => {
    await publish("r2_kv_down", { versions: { 1: tiny(1) } });
    const failing = {
      get: async () => {
        throw new Error("KV is down");
      },
      list: async () => {
        throw new Error("KV is down");
      },
    };
    const down = appWith({ REGISTRY: failing });
    const res = await down.post("/v1/models/r2_kv_down:predict", { instances: [row] });
    expect(res.status).toBe(503);
    expect(res.json.error).toBe("the model registry (KV) is unavailable: KV is down");
    expect((await down.post("/v1/models/tiny_layers:predict", { instances: [row] })).status).toBe(200);
    const index = await down.get("/");
    expect(index.status).toBe(200);
    expect(index.json.models.map((m: { name: string }) => m.name)).toContain("flights");
  });

  it("are not consulted at all with MODEL_REPOSITORY=off: bundled models only", async () => {
    await publish("r2_switched_off", { versions: { 1: tiny(1) } });
    const reads: string[] = [];
    const counting = {
      get: (key: string) => (reads.push(key), env.REGISTRY.get(key)),
      list: () => {
        throw new Error("no listing expected");
      },
    };
    const off = appWith({ MODEL_REPOSITORY: "off", REGISTRY: counting });
    expect((await off.post("/v1/models/r2_switched_off:predict", { instances: [row] })).status).toBe(404);
    expect((await off.post("/v1/models/tiny_layers:predict", { instances: [row] })).status).toBe(200);
    expect(reads).toEqual([]);
  });

  it("answer an unknown model with 404 listing names, reading no other model's record", async () => {
    await publish("r2_listed", { versions: { 1: tiny(1) } });
    const reads: string[] = [];
    const counting = {
      get: (key: string, o: unknown) => (reads.push(key), env.REGISTRY.get(key, o as never)),
      list: (o: KVNamespaceListOptions) => env.REGISTRY.list(o),
    };
    const res = await appWith({ REGISTRY: counting }).post("/v1/models/no_such_model:predict", { instances: [row] });
    expect(res.status).toBe(404);
    expect(res.json.error).toMatch(
      /^model 'no_such_model' not found; available models: .*\br2_listed\b.*\btiny_layers\b/,
    );
    expect(reads).toEqual(["model:no_such_model"]);
  });

  it("answer 503 naming the field when a pointer record is malformed", async () => {
    await env.REGISTRY.put("model:r2_bad_record", JSON.stringify({ versions: { 1: { sha256: "nope" } } }));
    const res = await api.post("/v1/models/r2_bad_record:predict", { instances: [row] });
    expect(res.status).toBe(503);
    expect(res.json.error).toMatch(/^the registry record for model 'r2_bad_record' is invalid \(versions\.1\.sha256: /);
  });

  it("hide only their own model when malformed: listed as unavailable with the reason, the others serve", async () => {
    await publish("r2_beside_broken", { versions: { 1: tiny(1) } });
    await env.REGISTRY.put("model:r2_broken_json", "{ not json");
    await env.REGISTRY.put("model:r2_broken_key", JSON.stringify({ versions: { "01": { sha256: "a".repeat(64) } } }));
    const home = await api.get("/");
    expect(home.status, home.text).toBe(200);
    const byName = new Map(home.json.models.map((m: { name: string }) => [m.name, m]));
    expect(byName.get("r2_beside_broken")).toMatchObject({ versions: [1] });
    expect(byName.get("tiny_layers")).toMatchObject({ versions: [1, 2] });
    expect(byName.get("r2_broken_json")).toMatchObject({
      versions: [],
      error: expect.stringMatching(/record for model 'r2_broken_json' is not valid JSON/),
    });
    expect(byName.get("r2_broken_key")).toMatchObject({
      versions: [],
      error: expect.stringMatching(/record for model 'r2_broken_key' is invalid \(versions\.01: /),
    });
    const index = await api.post("/v2/repository/index", {});
    expect(index.json).toContainEqual({
      name: "r2_broken_json",
      state: "UNAVAILABLE",
      reason: expect.stringMatching(/not valid JSON/),
    });
    expect(index.json).toContainEqual(
      expect.objectContaining({ name: "r2_beside_broken", version: "1", state: "READY" }),
    );
    expect((await api.post("/v1/models/r2_beside_broken:predict", { instances: [row] })).status).toBe(200);
    expect((await api.post("/v1/models/r2_broken_key:predict", { instances: [row] })).status).toBe(503);
    await env.REGISTRY.delete("model:r2_broken_json");
    await env.REGISTRY.delete("model:r2_broken_key");
  });

  it("are not read by /v2/health/ready: bounded work per call, no per-model read", async () => {
    await publish("r2_ready", { versions: { 1: tiny(1) } });
    const calls: string[] = [];
    const counting = {
      get: (key: string, o: unknown) => (calls.push(`get ${key}`), env.REGISTRY.get(key, o as never)),
      list: (o: KVNamespaceListOptions) => (calls.push(`list ${o.limit}`), env.REGISTRY.list(o)),
    };
    const ready = await appWith({ REGISTRY: counting }).get("/v2/health/ready");
    expect([ready.status, ready.json]).toEqual([200, { ready: true }]);
    // The bundled models answer from memory: the registry namespace is not touched at all.
    expect(calls).toEqual([]);
  });
});
