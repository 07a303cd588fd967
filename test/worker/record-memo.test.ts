/**
 * The pointer-record memo (src/adapters/r2/record-memo.ts) inside workerd, on Miniflare's real
 * local KV: with MODEL_CACHE on, a warm isolate reads `model:<name>` once per KV_CACHE_TTL - 30 s
 * and a label switch is served within KV_CACHE_TTL (the clock is faked past the bound, not waited
 * for); with MODEL_CACHE off every request reads KV. Overrides pick the mode, so both test
 * projects (worker, worker-nomemo) run both.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BUNDLED_MODELS } from "../../src/adapters/bundled/models.generated.ts";
import { appWith } from "../support/app-with.ts";
import { publish as publishTo } from "../support/repository.ts";

const load = (model: string, version: number) =>
  BUNDLED_MODELS.find((m) => m.name === model)!.versions.find((v) => v.version === version)!.files;
const tiny = (version: number) => ({ from: { model: "tiny_layers", version } });
const row = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };

/** The REGISTRY namespace, counting reads of each key (a new object: a memo of its own). */
function counting() {
  const reads: string[] = [];
  const ttls: unknown[] = [];
  const kv = {
    get: (key: string, options: { cacheTtl?: number }) => {
      reads.push(key);
      ttls.push(options?.cacheTtl);
      return env.REGISTRY.get(key, options as never);
    },
    list: (options: KVNamespaceListOptions) => env.REGISTRY.list(options),
  };
  return { kv, reads, ttls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the pointer-record memo", () => {
  it("with MODEL_CACHE on reads a record once per KV_CACHE_TTL - 30 s, and serves a label switch within KV_CACHE_TTL", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.now();
    await publishTo({ kv: env.REGISTRY, bucket: env.MODELS, load }, "memo_labels", {
      versions: { 1: tiny(1), 2: tiny(2) },
      labels: { stable: 1 },
    });
    const registry = counting();
    const api = appWith({ MODEL_CACHE: "on", KV_CACHE_TTL: "60", REGISTRY: registry.kv });
    const served = async () =>
      (await api.post("/v1/models/memo_labels:predict", { instances: [row] })).headers.get("x-model-version");
    expect(await served()).toBe("1");
    expect(await served()).toBe("1");
    expect(registry.reads).toEqual(["model:memo_labels"]);
    // KV's edge cache keeps it 30 s, the isolate the other 30 s of KV_CACHE_TTL.
    expect(registry.ttls).toEqual([30]);

    const record = JSON.parse((await env.REGISTRY.get("model:memo_labels"))!);
    await env.REGISTRY.put("model:memo_labels", JSON.stringify({ ...record, labels: { stable: 2 } }));
    vi.setSystemTime(t0 + 29_000);
    expect(await served()).toBe("1"); // within the bound, the memo may still answer with the old label
    expect(registry.reads).toHaveLength(1);
    vi.setSystemTime(t0 + 30_001);
    expect(await served()).toBe("2"); // past the memo's 30 s: read again, the switch is served
    expect(registry.reads).toEqual(["model:memo_labels", "model:memo_labels"]);
  });

  it("keeps the absence of a record too: a bundled model's lookup reads KV once", async () => {
    const registry = counting();
    const api = appWith({ MODEL_CACHE: "on", REGISTRY: registry.kv });
    for (let i = 0; i < 3; i++)
      expect((await api.post("/v1/models/tiny_layers:predict", { instances: [row] })).status).toBe(200);
    expect(registry.reads).toEqual(["model:tiny_layers"]);
  });

  it("keeps nothing at KV_CACHE_TTL = 30 (no room left within the bound)", async () => {
    const registry = counting();
    const api = appWith({ MODEL_CACHE: "on", KV_CACHE_TTL: "30", REGISTRY: registry.kv });
    for (let i = 0; i < 3; i++)
      expect((await api.post("/v1/models/tiny_layers:predict", { instances: [row] })).status).toBe(200);
    expect(registry.reads).toHaveLength(3);
    expect(registry.ttls).toEqual([30, 30, 30]);
  });

  it("with MODEL_CACHE off reads KV on every request, with cacheTtl = KV_CACHE_TTL", async () => {
    await publishTo({ kv: env.REGISTRY, bucket: env.MODELS, load }, "memo_off", {
      versions: { 1: tiny(1), 2: tiny(2) },
      labels: { stable: 1 },
    });
    const registry = counting();
    const api = appWith({ MODEL_CACHE: "off", KV_CACHE_TTL: "60", REGISTRY: registry.kv });
    const served = async () =>
      (await api.post("/v1/models/memo_off:predict", { instances: [row] })).headers.get("x-model-version");
    expect(await served()).toBe("1");
    const record = JSON.parse((await env.REGISTRY.get("model:memo_off"))!);
    await env.REGISTRY.put("model:memo_off", JSON.stringify({ ...record, labels: { stable: 2 } }));
    expect(await served()).toBe("2"); // the next request sees it
    expect(await served()).toBe("2");
    expect(registry.reads).toEqual(["model:memo_off", "model:memo_off", "model:memo_off"]);
    expect(registry.ttls).toEqual([60, 60, 60]);
  });

  it("does not keep a malformed record: the next request reads it again", async () => {
    await env.REGISTRY.put("model:memo_bad", JSON.stringify({ versions: { 1: { sha256: "nope" } } }));
    const registry = counting();
    const api = appWith({ MODEL_CACHE: "on", REGISTRY: registry.kv });
    for (let i = 0; i < 2; i++)
      expect((await api.post("/v1/models/memo_bad:predict", { instances: [row] })).status).toBe(503);
    expect(registry.reads).toEqual(["model:memo_bad", "model:memo_bad"]);
  });
});

describe("the pointer-record memo and new publications", () => {
  it("answers a model, version or label published after a request found none on the next request", async () => {
    const registry = counting();
    const api = appWith({ MODEL_CACHE: "on", KV_CACHE_TTL: "60", REGISTRY: registry.kv });
    const ask = (path: string) => api.post(path, { instances: [row] });
    expect((await ask("/v1/models/memo_new:predict")).status).toBe(404); // remembered: no record
    await publishTo({ kv: env.REGISTRY, bucket: env.MODELS, load }, "memo_new", { versions: { 1: tiny(1) } });
    const first = await ask("/v1/models/memo_new:predict");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-model-version")).toBe("1");
    // A version and a label that the kept record does not have yet are read afresh too.
    await publishTo({ kv: env.REGISTRY, bucket: env.MODELS, load }, "memo_new", {
      versions: { 1: tiny(1), 2: tiny(2) },
      labels: { canary: 2 },
    });
    expect((await ask("/v1/models/memo_new/versions/2:predict")).headers.get("x-model-version")).toBe("2");
    expect((await ask("/v1/models/memo_new/labels/canary:predict")).headers.get("x-model-version")).toBe("2");
    // A request the kept record answers reads nothing.
    const reads = registry.reads.length;
    expect((await ask("/v1/models/memo_new:predict")).status).toBe(200);
    expect(registry.reads).toHaveLength(reads);
  });
});
