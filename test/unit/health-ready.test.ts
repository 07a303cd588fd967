/**
 * `/v2/health/ready` does bounded work per call (it is open and unauthenticated): with models in
 * the repository only, one KV list of at most one key and no pointer-record read; a failing
 * registry makes it not ready rather than an error.
 */
import { describe, expect, it } from "vitest";
import { bundledSource } from "../../src/adapters/bundled/source.ts";
import { r2Source } from "../../src/adapters/r2/source.ts";
import { Registry } from "../../src/core/models/registry.ts";
import type { ModelRuntime } from "../../src/core/models/runtime.ts";
import type { ModelSource } from "../../src/core/models/source.ts";
import { serverReady } from "../../src/core/serving/metadata.ts";

const runtime = {} as ModelRuntime;
const files = { get: async () => new ArrayBuffer(0) } as never;

function countingKv(keys: string[], fail = false) {
  const calls: string[] = [];
  const kv = {
    async get(key: string) {
      calls.push(`get ${key}`);
      return JSON.stringify({ versions: {} });
    },
    async list(o: { prefix?: string; limit?: number; cursor?: string }) {
      calls.push(`list ${o.prefix} limit=${o.limit ?? "none"}`);
      if (fail) throw new Error("KV is down");
      const found = keys.filter((k) => k.startsWith(o.prefix ?? "")).slice(0, o.limit ?? 1000);
      return { keys: found.map((name) => ({ name })), list_complete: true, cacheStatus: null };
    },
  };
  return { kv: kv as unknown as KVNamespace, calls };
}

const ready = (sources: ModelSource[]) =>
  serverReady({ registry: new Registry(sources, { memo: false, runtime, pipelines: {} }) } as never);

describe("server readiness", () => {
  it("asks the repository one list of one key, and reads no record, however many models it holds", async () => {
    const { kv, calls } = countingKv(Array.from({ length: 500 }, (_, i) => `model:m${i}`));
    expect(await ready([bundledSource([]), r2Source(kv, undefined, { cacheTtl: 60, files })])).toBe(true);
    expect(calls).toEqual(["list model: limit=1"]);
  });

  it("touches no store when a bundled model exists", async () => {
    const { kv, calls } = countingKv(["model:a"]);
    const bundled = bundledSource([{ name: "b", labels: undefined, versions: [{ version: 1, files: {} }] }]);
    expect(await ready([bundled, r2Source(kv, undefined, { cacheTtl: 60, files })])).toBe(true);
    expect(calls).toEqual([]);
  });

  it("is not ready with no model anywhere, or when the only source fails", async () => {
    expect(await ready([bundledSource([]), r2Source(countingKv([]).kv, undefined, { cacheTtl: 60, files })])).toBe(
      false,
    );
    const { kv } = countingKv(["model:a"], true);
    expect(await ready([bundledSource([]), r2Source(kv, undefined, { cacheTtl: 60, files })])).toBe(false);
  });
});
