/**
 * The KV context store: one multi-key `get` per 100 distinct keys, every chunk under one timeout
 * for the whole request. KV errors, slow or hung chunks and malformed values never fail a
 * request: those keys are reported as failed, the result is `degraded`, and the timeout holds.
 */
import { describe, expect, it } from "vitest";
import { KV_MAX_KEYS_PER_GET, kvContext } from "../../src/adapters/kv/context-store.ts";

type MultiGet = (keys: string[], options: unknown) => Promise<Map<string, string | null>>;
const fakeKv = (get: MultiGet) => ({ get }) as unknown as KVNamespace;
const never = () => new Promise<Map<string, string | null>>(() => {});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const options = { cacheTtl: 60, timeoutMs: 50 };
/** A KV holding `data`, answering each multi-key get after `delay(keys)` ms. */
function slowKv(data: Record<string, string>, delay: (keys: string[]) => number, calls: string[][] = []) {
  return fakeKv(async (keys) => {
    calls.push(keys);
    if (!Array.isArray(keys)) throw new Error("expected a multi-key get");
    if (keys.length > KV_MAX_KEYS_PER_GET) throw new Error(`KV refuses ${keys.length} keys in one get`);
    const ms = delay(keys);
    if (ms === Number.POSITIVE_INFINITY) return never();
    await sleep(ms);
    return new Map(keys.map((k) => [k, data[k] ?? null]));
  });
}

describe("KV context store", () => {
  it("reads all keys in one multi-key get with the edge cacheTtl, deduplicated", async () => {
    const seen: Array<{ keys: string[]; opts: unknown }> = [];
    const store = kvContext(
      fakeKv(async (keys, opts) => {
        seen.push({ keys, opts });
        return new Map(keys.map((k) => [k, k === "a" ? '{"x":1}' : null]));
      }),
      options,
    );
    const result = await store.getMany(["a", "b", "a"]);
    expect(result.degraded).toBe(false);
    expect([...result.values]).toEqual([["a", { x: 1 }]]);
    expect(seen).toEqual([{ keys: ["a", "b"], opts: { type: "text", cacheTtl: 60 } }]);
    // KV refuses a cacheTtl under 60 s: a shorter setting is raised rather than failing every read.
    await kvContext(
      fakeKv(async (keys, opts) => {
        seen.push({ keys, opts });
        return new Map();
      }),
      { cacheTtl: 30, timeoutMs: 50 },
    ).getMany(["c"]);
    expect(seen[1]).toEqual({ keys: ["c"], opts: { type: "text", cacheTtl: 60 } });
  });

  it("splits 1,024 distinct keys into gets of at most 100 keys (11 calls), run together", async () => {
    const data = Object.fromEntries(Array.from({ length: 1024 }, (_, i) => [`k${i}`, String(i)]));
    const calls: string[][] = [];
    // Each chunk takes 30 ms: sequential chunks would need 330 ms, far past the 200 ms bound.
    const store = kvContext(
      slowKv(data, () => 30, calls),
      { cacheTtl: 60, timeoutMs: 200 },
    );
    const result = await store.getMany(Object.keys(data));
    expect(calls.length).toBe(Math.ceil(1024 / 100));
    expect(calls.every((c) => c.length <= 100)).toBe(true);
    expect(new Set(calls.flat()).size).toBe(1024);
    expect(result.degraded).toBe(false);
    expect(result.values.size).toBe(1024);
    expect(result.values.get("k1023")).toBe(1023);
  });

  it("answers a 1,024-key batch within the timeout plus a small margin when KV is slow", async () => {
    const data = Object.fromEntries(Array.from({ length: 1024 }, (_, i) => [`k${i}`, String(i)]));
    const timeoutMs = 100;
    // Chunks holding k0 answer at once; the others take 10x the timeout, one hangs for ever.
    const store = kvContext(
      slowKv(data, (keys) =>
        keys.includes("k0") ? 0 : keys.includes("k500") ? Number.POSITIVE_INFINITY : 10 * timeoutMs,
      ),
      { cacheTtl: 60, timeoutMs },
    );
    const started = performance.now();
    const result = await store.getMany(Object.keys(data));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(elapsed).toBeLessThan(timeoutMs + 100);
    expect(result.degraded).toBe(true);
    expect(result.values.get("k0")).toBe(0);
    expect(result.values.size).toBe(100);
    expect(result.failed?.size).toBe(924);
    expect(result.failed?.has("k500")).toBe(true);
  });

  it("degrades instead of throwing when a chunk's get rejects or throws synchronously", async () => {
    const keys = Array.from({ length: 250 }, (_, i) => `k${i}`);
    let call = 0;
    const store = kvContext(
      fakeKv((chunk) => {
        call += 1;
        if (call === 1) throw new Error("KV GET failed: 500 Internal Server Error");
        if (call === 2) return Promise.reject(new Error("network connection lost"));
        return Promise.resolve(new Map(chunk.map((k) => [k, '"ok"'])));
      }),
      options,
    );
    const result = await store.getMany(keys);
    expect(result.degraded).toBe(true);
    expect(result.failed?.size).toBe(200);
    expect(result.values.size).toBe(50);
    expect(result.values.get("k249")).toBe("ok");
  });

  it("does not let a chunk that lands after the timeout change the answer already given", async () => {
    const keys = Array.from({ length: 150 }, (_, i) => `k${i}`);
    const store = kvContext(
      fakeKv(async (chunk) => {
        if (chunk.includes("k120")) await sleep(options.timeoutMs + 20);
        return new Map(chunk.map((k) => [k, "1"]));
      }),
      options,
    );
    const result = await store.getMany(keys);
    const before = result.values.size;
    await sleep(80);
    expect(result.degraded).toBe(true);
    expect(before).toBe(100);
    expect(result.values.size).toBe(100);
    expect(result.values.has("k120")).toBe(false);
    expect(result.failed?.has("k120")).toBe(true);
  });

  it("treats a value that is not JSON as failed (degraded), keeping the other values", async () => {
    const store = kvContext(
      fakeKv(async (keys) => new Map(keys.map((k) => [k, k === "bad" ? "{not json" : "2"]))),
      options,
    );
    const result = await store.getMany(["bad", "good"]);
    expect(result.degraded).toBe(true);
    expect([...result.values]).toEqual([["good", 2]]);
    expect([...(result.failed ?? [])]).toEqual(["bad"]);
  });

  it("is degraded without a binding when keys are asked for, and not for an empty batch", async () => {
    expect((await kvContext(undefined, options).getMany(["k"])).degraded).toBe(true);
    expect((await kvContext(undefined, options).getMany([])).degraded).toBe(false);
  });
});
