/**
 * The prediction cache's key and value format (src/core/cache/prediction-cache.ts), checked against an
 * independent implementation of the documented byte layout hashed with node:crypto, and its
 * run-through: hits skip the model, faults fall through to it.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  cachedRun,
  decodeOutputs,
  encodeOutputs,
  keyMaterial,
  type PredictionCache,
  predictionKey,
} from "../../src/core/cache/prediction-cache.ts";
import type { HostTensor, NamedTensors } from "../../src/core/tensors/spec.ts";

const SHA = "ab".repeat(32);
const f32 = (shape: number[], ...values: number[]): HostTensor => ({
  dtype: "float32",
  shape,
  values: Float32Array.from(values),
});
const inputs: NamedTensors = {
  x: f32([1, 2], 1.5, -2),
  flag: { dtype: "bool", shape: [2], values: [true, false] },
  count: { dtype: "int32", shape: [2], values: Int32Array.of(3, -7) },
  text: { dtype: "string", shape: [2], values: [new TextEncoder().encode("héllo"), Uint8Array.of(0, 255)] },
};

/** The layout from the module's doc comment, written out with Buffer. */
function reference(sha: string, outputs: string[], tensors: NamedTensors, scope = ""): string {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const str = (s: string | Uint8Array) => {
    const b = typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s);
    u32(b.length);
    parts.push(b);
  };
  str("stateless-serve/prediction-key/2");
  str(scope);
  str(sha);
  u32(outputs.length);
  outputs.forEach(str);
  const names = Object.keys(tensors).sort();
  u32(names.length);
  for (const name of names) {
    const t = tensors[name]!;
    str(name);
    str(t.dtype);
    u32(t.shape.length);
    t.shape.forEach(u32);
    u32(t.values.length);
    if (t.dtype === "float32")
      for (const v of t.values as Float32Array) {
        const b = Buffer.alloc(4);
        b.writeFloatLE(v);
        parts.push(b);
      }
    if (t.dtype === "int32")
      for (const v of t.values as Int32Array) {
        const b = Buffer.alloc(4);
        b.writeInt32LE(v);
        parts.push(b);
      }
    if (t.dtype === "bool") parts.push(Buffer.from((t.values as boolean[]).map((v) => (v ? 1 : 0))));
    if (t.dtype === "string") (t.values as Uint8Array[]).forEach(str);
  }
  return createHash("sha256").update(Buffer.concat(parts)).digest("hex");
}

describe("the prediction key", () => {
  it("is the sha256 of the documented byte layout", async () => {
    const key = await predictionKey(SHA, ["probs", "class"], inputs);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).toBe(reference(SHA, ["probs", "class"], inputs));
    expect(
      createHash("sha256")
        .update(keyMaterial(SHA, ["probs", "class"], inputs))
        .digest("hex"),
    ).toBe(key);
    const scoped = await predictionKey(SHA, ["probs", "class"], inputs, "key:0123456789ab");
    expect(scoped).toBe(reference(SHA, ["probs", "class"], inputs, "key:0123456789ab"));
    expect(scoped).not.toBe(key);
  });

  it("does not depend on the order the inputs were given in", async () => {
    const reordered = Object.fromEntries(Object.entries(inputs).reverse());
    expect(await predictionKey(SHA, ["y"], reordered)).toBe(await predictionKey(SHA, ["y"], inputs));
  });

  it("changes with the model, the outputs asked for, and every input's name, dtype, shape and bytes", async () => {
    const base = await predictionKey(SHA, ["y"], { x: f32([1, 2], 1, 2) });
    const variants: Array<[string, Promise<string>]> = [
      ["model sha256", predictionKey("cd".repeat(32), ["y"], { x: f32([1, 2], 1, 2) })],
      ["outputs", predictionKey(SHA, ["z"], { x: f32([1, 2], 1, 2) })],
      ["outputs order", predictionKey(SHA, ["y", "z"], { x: f32([1, 2], 1, 2) })],
      ["input name", predictionKey(SHA, ["y"], { w: f32([1, 2], 1, 2) })],
      [
        "dtype",
        predictionKey(SHA, ["y"], {
          x: { dtype: "int32", shape: [1, 2], values: new Int32Array(new Float32Array([1, 2]).buffer) },
        }),
      ],
      ["shape", predictionKey(SHA, ["y"], { x: f32([2, 1], 1, 2) })],
      ["bytes", predictionKey(SHA, ["y"], { x: f32([1, 2], 1, 2.0000002) })],
      ["an extra input", predictionKey(SHA, ["y"], { x: f32([1, 2], 1, 2), e: f32([0]) })],
    ];
    const keys = await Promise.all(variants.map(([, k]) => k));
    variants.forEach(([what], i) => expect(keys[i], what).not.toBe(base));
    expect(new Set(keys).size).toBe(variants.length);
    // Floats are compared as bytes: -0 and 0 are different keys (a miss, never a wrong answer).
    expect(await predictionKey(SHA, ["y"], { x: f32([1], -0) })).not.toBe(
      await predictionKey(SHA, ["y"], { x: f32([1], 0) }),
    );
  });
});

describe("the cached value", () => {
  it("round-trips every dtype exactly, NaN and -0 included", () => {
    const outputs: NamedTensors = { ...inputs, x: f32([4], Number.NaN, -0, 3.4028234663852886e38, 1e-45) };
    const back = decodeOutputs(encodeOutputs(outputs, ["x", "flag", "count", "text"]), ["x", "flag", "count", "text"]);
    expect(Object.keys(back)).toEqual(["x", "flag", "count", "text"]);
    expect(new Uint8Array((back.x!.values as Float32Array).buffer)).toEqual(
      new Uint8Array((outputs.x!.values as Float32Array).buffer),
    );
    expect(back.flag).toEqual(outputs.flag);
    expect(back.count).toEqual(outputs.count);
    expect(back.text).toEqual(outputs.text);
  });

  it("refuses an entry holding other outputs, a truncated entry, or another format", () => {
    const bytes = encodeOutputs({ y: f32([1], 1) }, ["y"]);
    expect(() => decodeOutputs(bytes, ["z"])).toThrow(/other outputs/);
    expect(() => decodeOutputs(bytes.slice(0, bytes.length - 1), ["y"])).toThrow(/truncated/);
    expect(() => decodeOutputs(new TextEncoder().encode("not a cache entry"), ["y"])).toThrow();
  });
});

describe("cachedRun", () => {
  const store = () => {
    const map = new Map<string, Uint8Array>();
    const cache: PredictionCache = { match: async (k) => map.get(k), put: async (k, v) => void map.set(k, v) };
    return { map, cache };
  };
  const options = (cache: PredictionCache, events: string[], outcomes: string[], x = 1) => ({
    cache,
    modelSha256: SHA,
    outputNames: ["y"],
    inputs: { x: f32([1], x) },
    measure: <T>(_span: string, fn: () => Promise<T>) => fn(),
    outcome: (o: string) => void outcomes.push(o),
    log: (event: string, detail: Record<string, unknown>) => void events.push(`${event}:${String(detail.op)}`),
  });

  it("runs the model on a miss, stores its outputs, and answers the next identical run from the cache", async () => {
    const { map, cache } = store();
    let runs = 0;
    const model = async () => ({ y: f32([1], 0.25 + runs++) });
    const outcomes: string[] = [];
    const first = await cachedRun(options(cache, [], outcomes), model);
    const second = await cachedRun(options(cache, [], outcomes), model);
    const other = await cachedRun(options(cache, [], outcomes, 2), model);
    expect(runs).toBe(2);
    expect(outcomes).toEqual(["miss", "hit", "miss"]);
    expect(second).toEqual(first);
    expect(other.y!.values[0]).toBe(1.25);
    expect(map.size).toBe(2);
  });

  it("falls through to the model, and logs, when match or put throw or the entry is unreadable", async () => {
    const boom = async () => {
      throw new Error("cache down");
    };
    const events: string[] = [];
    const outcomes: string[] = [];
    const model = async () => ({ y: f32([1], 7) });
    const answers = [
      await cachedRun(options({ match: boom, put: async () => {} }, events, outcomes), model),
      await cachedRun(options({ match: async () => undefined, put: boom }, events, outcomes), model),
      await cachedRun(
        options({ match: async () => Uint8Array.of(1, 2, 3), put: async () => {} }, events, outcomes),
        model,
      ),
    ];
    answers.forEach((a) => expect(a.y!.values[0]).toBe(7));
    expect(outcomes).toEqual(["miss", "miss", "miss"]);
    expect(events).toEqual([
      "prediction_cache_failed:match",
      "prediction_cache_failed:put",
      "prediction_cache_failed:match",
    ]);
  });
});
