/**
 * A version published to R2 is served with its own manifest, whatever this isolate loaded before:
 * two versions sharing weights but differing in manifest answer each with theirs, in both load
 * orders (this file runs in the `worker` project with the memo on and in `worker-nomemo` with it
 * off), over v1, v2 and RPC; republishing the same weights with a fixed manifest serves the fix.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { BUNDLED_MODELS } from "../../src/adapters/bundled/models.generated.ts";
import type { Predictor as PredictorContract } from "../../src/client.ts";
import { client } from "../support/client.ts";
import { distinctFiles, publishFiles, withManifest } from "../support/repository.ts";

const load = (model: string, version: number) =>
  BUNDLED_MODELS.find((m) => m.name === model)!.versions.find((v) => v.version === version)!.files;
const api = client((url, init) => exports.default.fetch(url, init));
const stores = { kv: env.REGISTRY, bucket: env.MODELS };
const inputs = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };

/** Version 1: the fixture's manifest. Version 2: the same files, `score` renamed `risk`, pass-through `ticket`. */
function variants(artifact: string) {
  const a = distinctFiles(load, "tiny_layers", 2, artifact);
  const b = withManifest(a, (m) => {
    m.signature.outputs[0]!.name = "risk";
    m.passthrough = ["ticket"];
  });
  return { a, b };
}

async function askV1(name: string, version: number) {
  const row = version === 1 ? { ...inputs, key: "k" } : { ...inputs, ticket: "t" };
  const res = await api.post(`/v1/models/${name}/versions/${version}:predict`, { instances: [row] });
  expect(res.status, res.text).toBe(200);
  return res.json.predictions[0] as Record<string, unknown>;
}

async function outputNamesV2(name: string, version: number) {
  const res = await api.post(`/v2/models/${name}/versions/${version}/infer`, {
    inputs: [
      { name: "features", shape: [1, 4], datatype: "FP32", data: inputs.features },
      { name: "extra", shape: [1, 2], datatype: "FP32", data: inputs.extra },
    ],
  });
  expect(res.status, res.text).toBe(200);
  return (res.json.outputs as Array<{ name: string }>).map((o) => o.name).sort();
}

describe("two R2 versions sharing weights, differing in manifest", () => {
  for (const order of [
    [1, 2],
    [2, 1],
  ]) {
    it(`answer each with their own manifest (version ${order[0]} loaded first)`, async () => {
      const name = `ident_r2_${order.join("")}`;
      const { a, b } = variants(`${name}/${env.MODEL_CACHE}`);
      await publishFiles(stores, name, { 1: a, 2: b });
      const seen: Record<number, Record<string, unknown>> = {};
      for (const v of order) seen[v] = await askV1(name, v);
      expect(Object.keys(seen[1]!).sort()).toEqual(["key", "probs", "score"]);
      expect(Object.keys(seen[2]!).sort()).toEqual(["probs", "risk", "ticket"]);
      expect(seen[2]!.risk).toEqual(seen[1]!.score);
      // v2 and the metadata agree, in the reverse order too.
      for (const v of [...order].reverse()) {
        expect(await outputNamesV2(name, v)).toEqual(v === 1 ? ["probs", "score"] : ["probs", "risk"]);
        const meta = await api.get(`/v2/models/${name}/versions/${v}`);
        expect(meta.json.outputs.map((o: { name: string }) => o.name).sort()).toEqual(
          v === 1 ? ["probs", "score"] : ["probs", "risk"],
        );
      }
      // …and over RPC, through the Worker's binding to itself.
      const bound = (env as unknown as { SELF_RPC: Service<PredictorContract> }).SELF_RPC;
      const rpc = await bound.predict(name, [{ ...inputs, ticket: "t" }], { version: 2 });
      expect(Object.keys(rpc.predictions[0] as object).sort()).toEqual(["probs", "risk", "ticket"]);
    });
  }

  it("serve the fixed manifest when the same weights are republished with it", async () => {
    const name = "ident_r2_fixed";
    const { a, b } = variants(`${name}/${env.MODEL_CACHE}`);
    await publishFiles(stores, name, { 1: a }, { stable: 1 });
    const before = await api.post(`/v1/models/${name}:predict`, { instances: [{ ...inputs, key: "k" }] });
    expect(Object.keys(before.json.predictions[0]).sort()).toEqual(["key", "probs", "score"]);
    await publishFiles(stores, name, { 1: a, 2: b }, { stable: 2 });
    // With MODEL_CACHE on the isolate may keep the old pointer record up to KV_CACHE_TTL - 30 s
    // (src/adapters/r2/record-memo.ts): the new one is seen once that bound has passed.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 30_001);
      const after = await api.post(`/v1/models/${name}:predict`, { instances: [{ ...inputs, ticket: "t" }] });
      expect(after.status, after.text).toBe(200);
      expect(after.headers.get("x-model-version")).toBe("2");
      expect(Object.keys(after.json.predictions[0]).sort()).toEqual(["probs", "risk", "ticket"]);
    } finally {
      vi.useRealTimers();
    }
  });
});
