/**
 * Faults in the context store: KV errors, slow or hung reads and malformed values never fail a
 * request. The key counts as missing, the result says `degraded: true`, and the timeout holds.
 */
import { describe, expect, it } from "vitest";
import { kvContext } from "../../src/adapters/kv/context-store.ts";

type Get = (key: string, options: unknown) => Promise<string | null>;
const fakeKv = (get: Get) => ({ get }) as unknown as KVNamespace;
const never = () => new Promise<string | null>(() => {});
const resolveAfter = (ms: number, value: string | null) =>
  new Promise<string | null>((resolve) => setTimeout(() => resolve(value), ms));
const options = { cacheTtl: 60, timeoutMs: 50 };

describe("KV context store", () => {
  it("reads every key with the edge cacheTtl and is not degraded when KV answers", async () => {
    const seen: unknown[] = [];
    const store = kvContext(
      fakeKv(async (key, opts) => {
        seen.push(opts);
        return key === "a" ? '{"x":1}' : null;
      }),
      options,
    );
    const result = await store.getMany(["a", "b"]);
    expect(result.degraded).toBe(false);
    expect([...result.values]).toEqual([["a", { x: 1 }]]);
    expect(seen).toEqual([
      { type: "text", cacheTtl: 60 },
      { type: "text", cacheTtl: 60 },
    ]);
  });

  it("degrades instead of throwing when KV rejects or throws synchronously", async () => {
    const store = kvContext(
      fakeKv((key) => {
        if (key === "sync") throw new Error("KV GET failed: 500 Internal Server Error");
        if (key === "async") return Promise.reject(new Error("network connection lost"));
        return Promise.resolve('"ok"');
      }),
      options,
    );
    const result = await store.getMany(["sync", "async", "fine"]);
    expect(result.degraded).toBe(true);
    expect([...result.values]).toEqual([["fine", "ok"]]);
  });

  it("gives up on a read that never resolves after timeoutMs, keeping what arrived", async () => {
    const store = kvContext(
      fakeKv((key) => (key === "hung" ? never() : Promise.resolve("1"))),
      options,
    );
    const started = performance.now();
    const result = await store.getMany(["hung", "fast"]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(options.timeoutMs - 5);
    expect(elapsed).toBeLessThan(options.timeoutMs + 250);
    expect(result.degraded).toBe(true);
    expect([...result.values]).toEqual([["fast", 1]]);
  });

  it("does not let a read that lands after the timeout change the answer already given", async () => {
    const store = kvContext(
      fakeKv((key) => (key === "late" ? resolveAfter(options.timeoutMs + 20, "2") : Promise.resolve("1"))),
      options,
    );
    const result = await store.getMany(["late", "early"]);
    await resolveAfter(60, null);
    expect(result.degraded).toBe(true);
    expect(result.values.has("late")).toBe(false);
    expect(result.values.get("early")).toBe(1);
  });

  it("treats a value that is not JSON as missing and degraded", async () => {
    const store = kvContext(
      fakeKv(async () => "{not json"),
      options,
    );
    const result = await store.getMany(["k"]);
    expect(result).toEqual({ values: new Map(), degraded: true });
  });

  it("is degraded without a binding when keys are asked for, and not for an empty batch", async () => {
    expect((await kvContext(undefined, options).getMany(["k"])).degraded).toBe(true);
    expect((await kvContext(undefined, options).getMany([])).degraded).toBe(false);
  });
});
