/**
 * The declarative context pipeline (src/core/context/) against fakes: the manifest section's
 * checks, each transform against its textbook formula, one store call per batch, and every
 * lookup status at the row's as_of (docs/context-time.md).
 */
import { describe, expect, it } from "vitest";
import { KV_MAX_KEYS_PER_GET, kvContext } from "../../src/adapters/kv/context-store.ts";
import { contextPipeline } from "../../src/core/context/pipeline.ts";
import { type ContextSpec, ContextSpecSchema, type Feature, FeatureSchema } from "../../src/core/context/spec.ts";
import { applyTransforms } from "../../src/core/context/transforms.ts";
import { ServeError } from "../../src/core/errors.ts";
import type { ContextResult, ContextStore } from "../../src/core/pipeline/context-store.ts";
import type { PrepareOptions } from "../../src/core/pipeline/plugin.ts";
import type { NamedTensors, Signature } from "../../src/core/tensors/spec.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

const SPEC = {
  fields: [
    { name: "user_id", dtype: "string" },
    { name: "amount", dtype: "float32", range: [0, 10000] },
    { name: "country", dtype: "string", vocabulary: ["DE", "FR", "US"] },
  ],
  lookups: [
    {
      name: "user",
      key: "user:{user_id}",
      max_age_s: 3600,
      fields: [
        { name: "spend", dtype: "float32", default: 10 },
        { name: "tier", dtype: "string", default: "basic" },
      ],
    },
    {
      name: "fx",
      key: "fx:{country}",
      stale: "flag",
      max_age_s: 60,
      fields: [{ name: "rate", dtype: "float32", default: 1 }],
    },
  ],
  features: [
    { from: "amount", transforms: [{ kind: "log1p" }] },
    { from: "user.spend", transforms: [{ kind: "standardize", mean: 100, std: 50 }] },
    { from: "user.spend", transforms: [{ kind: "missing" }] },
    { from: "user.tier", transforms: [{ kind: "one_hot", vocabulary: ["basic", "gold"] }] },
    { from: "fx.rate", transforms: [{ kind: "clip", min: 0.5, max: 2 }] },
    { from: "country", transforms: [{ kind: "index", vocabulary: ["DE", "FR", "US"] }] },
  ],
};
const spec = (patch: Partial<Record<keyof ContextSpec, unknown>> = {}) =>
  ContextSpecSchema.parse({ ...SPEC, ...patch });
const MODEL: Signature = {
  inputs: [{ name: "x", tensor: "x", dtype: "float32", shape: [-1, 7] }],
  outputs: [{ name: "score", tensor: "dense/Sigmoid", dtype: "float32", shape: [-1, 1] }],
};
const AS_OF = "2026-01-01T12:00:00Z";
const hoursBefore = (h: number) => new Date(Date.parse(AS_OF) - h * 3600_000).toISOString();

function rows(list: Array<{ user_id: string; amount: number; country: string }>): NamedTensors {
  return {
    user_id: { dtype: "string", shape: [list.length], values: list.map((r) => enc.encode(r.user_id)) },
    amount: { dtype: "float32", shape: [list.length], values: Float32Array.from(list.map((r) => r.amount)) },
    country: { dtype: "string", shape: [list.length], values: list.map((r) => enc.encode(r.country)) },
  };
}

/** A Map-backed store that counts its calls. */
function mapStore(data: Record<string, unknown>, extra: Partial<ContextResult> = {}) {
  const calls: string[][] = [];
  const store: ContextStore = {
    async getMany(keys) {
      calls.push([...keys]);
      return { values: new Map(keys.filter((k) => k in data).map((k) => [k, data[k]])), degraded: false, ...extra };
    },
  };
  return { store, calls };
}

async function run(
  data: Record<string, unknown>,
  list = [{ user_id: "u1", amount: 99, country: "FR" }],
  options: PrepareOptions = { asOf: AS_OF, explain: true },
  s = spec(),
  extra: Partial<ContextResult> = {},
) {
  const { store } = mapStore(data, extra);
  const prepared = await contextPipeline(s, MODEL, "model 'm' version 1").prepare(
    rows(list),
    store,
    (i) => `instances[${i}]`,
    options,
  );
  const x = prepared.modelInputs.x!;
  const out = prepared.finish({
    "dense/Sigmoid": { dtype: "float32", shape: [list.length, 1], values: new Float32Array(list.length) },
  });
  const context = out.context ? (out.context.values as Uint8Array[]).map((b) => JSON.parse(dec.decode(b))) : undefined;
  return { x: Array.from(x.values as Float32Array), shape: x.shape, context, outputs: Object.keys(out) };
}

const f32 = (v: number) => Math.fround(v);

describe("the context section of a manifest", () => {
  it("accepts the example and rejects inconsistent specs, naming the place", () => {
    expect(spec().lookups[0]!.stale).toBe("default");
    const problems = (patch: Record<string, unknown>) => {
      const r = ContextSpecSchema.safeParse({ ...SPEC, ...patch });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(problems({ lookups: [{ ...SPEC.lookups[0], key: "user:{uid}" }, SPEC.lookups[1]] })).toEqual([
      "lookups.0.key: key template 'user:{uid}' names 'uid', which is not a field",
    ]);
    expect(problems({ features: [{ from: "country" }] })).toEqual([
      "features.0: 'country' is a string: end its transforms with 'index' or 'one_hot'",
    ]);
    expect(
      problems({
        features: [{ from: "amount", transforms: [{ kind: "one_hot", vocabulary: [1] }, { kind: "log1p" }] }],
      }),
    ).toEqual(["features.0.transforms.0: 'one_hot' must be the last transform"]);
    expect(problems({ features: [{ from: "amount", transforms: [{ kind: "missing" }] }] })).toEqual([
      "features.0.transforms.0: 'missing' must be the first transform of a looked-up field",
    ]);
    expect(problems({ features: [{ from: "nope.x" }] })[0]).toContain("'nope.x' is neither a field");
    expect(
      problems({ lookups: [{ ...SPEC.lookups[1], fields: [{ name: "rate", dtype: "int32", default: 1.5 }] }] })[0],
    ).toBe("lookups.0.fields.0.default: default 1.5 is not a int32");
  });

  it("refuses a model whose input width is not the feature vector's (503)", () => {
    const wrong: Signature = { ...MODEL, inputs: [{ name: "x", dtype: "float32", shape: [-1, 6] }] };
    expect(() => contextPipeline(spec(), wrong, "model 'm' version 1")).toThrow(/builds 7 float32 features/);
  });
});

describe("transforms", () => {
  const t = (transforms: unknown[], value: number | string, missing = false) =>
    applyTransforms(FeatureSchema.parse({ from: "v", transforms }) as Feature, value, missing);
  it("compute their textbook formulas", () => {
    expect(t([{ kind: "standardize", mean: 3, std: 2 }], 7)).toEqual([2]);
    expect(t([{ kind: "log1p" }], Math.E - 1)).toEqual([1]);
    expect(t([{ kind: "clip", min: 0, max: 5 }], 9)).toEqual([5]);
    expect(t([{ kind: "clip", min: 0 }], -3)).toEqual([0]);
    expect(t([{ kind: "bucketize", boundaries: [0, 10, 20] }], -1)).toEqual([0]);
    expect(t([{ kind: "bucketize", boundaries: [0, 10, 20] }], 10)).toEqual([2]);
    expect(t([{ kind: "bucketize", boundaries: [0, 10, 20] }], 25)).toEqual([3]);
    expect(t([{ kind: "one_hot", vocabulary: ["a", "b", "c"] }], "b")).toEqual([0, 1, 0]);
    expect(t([{ kind: "one_hot", vocabulary: ["a", "b"] }], "z")).toEqual([0, 0]);
    expect(t([{ kind: "index", vocabulary: ["a", "b"] }], "b")).toEqual([1]);
    expect(t([{ kind: "index", vocabulary: ["a", "b"], oov: 9 }], "z")).toEqual([9]);
    expect(t([{ kind: "missing" }], 4, true)).toEqual([1]);
    expect(t([{ kind: "log1p" }, { kind: "standardize", mean: 1, std: 1 }], 0)).toEqual([-1]);
  });
});

describe("one store call per batch", () => {
  it("64 rows with 5 lookups each: keys deduplicated, one getMany, ceil(keys/100) KV multi-gets", async () => {
    const five = ContextSpecSchema.parse({
      fields: [{ name: "id", dtype: "int32" }],
      lookups: ["a", "b", "c", "d", "e"].map((n) => ({
        name: n,
        key: `${n}:{id}`,
        fields: [{ name: "v", dtype: "float32", default: 0 }],
      })),
      features: ["a", "b", "c", "d", "e"].map((n) => ({ from: `${n}.v` })),
    });
    const model: Signature = { ...MODEL, inputs: [{ name: "x", dtype: "float32", shape: [-1, 5] }] };
    const kvCalls: string[][] = [];
    const kv = {
      get: async (keys: string[]) => {
        kvCalls.push(keys);
        return new Map(keys.map((k) => [k, JSON.stringify({ v: Number(k.split(":")[1]) })]));
      },
    } as unknown as KVNamespace;
    const store = kvContext(kv, { cacheTtl: 60, timeoutMs: 1000 });
    let getMany = 0;
    const counting: ContextStore = {
      getMany: (keys) => {
        getMany += 1;
        return store.getMany(keys);
      },
    };
    const ids = Int32Array.from({ length: 64 }, (_, i) => i);
    const prepared = await contextPipeline(five, model, "m").prepare(
      { id: { dtype: "int32", shape: [64], values: ids } },
      counting,
      undefined,
      { asOf: AS_OF },
    );
    expect(getMany).toBe(1);
    expect(kvCalls.length).toBe(Math.ceil(320 / KV_MAX_KEYS_PER_GET));
    expect(new Set(kvCalls.flat()).size).toBe(320);
    expect(Array.from(prepared.modelInputs.x!.values as Float32Array).slice(5 * 63)).toEqual([63, 63, 63, 63, 63]);

    // The same 64 rows naming only 4 distinct ids need 20 keys: one multi-get.
    kvCalls.length = 0;
    await contextPipeline(five, model, "m").prepare(
      { id: { dtype: "int32", shape: [64], values: Int32Array.from(ids, (i) => i % 4) } },
      counting,
    );
    expect(kvCalls.map((c) => c.length)).toEqual([20]);
  });
});

describe("lookup statuses at as_of", () => {
  const fresh = { spend: 150, tier: "gold", updated_at: hoursBefore(0.5) };
  const fx = { rate: 3, updated_at: hoursBefore(0.01) };

  it("present: the stored values build the vector (checked against the formulas by hand)", async () => {
    const r = await run({ "user:u1": fresh, "fx:FR": fx });
    expect(r.shape).toEqual([1, 7]);
    expect(r.x).toEqual([f32(Math.log1p(99)), f32((150 - 100) / 50), 0, 0, 1, 2, 1]);
    expect(r.context![0]).toEqual({
      as_of: "2026-01-01T12:00:00.000Z",
      lookups: {
        user: { key: "user:u1", status: "present", updated_at: fresh.updated_at, values: { spend: 150, tier: "gold" } },
        fx: { key: "fx:FR", status: "present", updated_at: fx.updated_at, values: { rate: 3 } },
      },
      features: r.x.map((v) => f32(v)),
      degraded: false,
    });
  });

  it("missing: defaults, and the missing indicator says so", async () => {
    const r = await run({ "fx:FR": fx });
    expect(r.x.slice(1, 5)).toEqual([f32((10 - 100) / 50), 1, 1, 0]);
    expect(r.context![0].lookups.user).toEqual({
      key: "user:u1",
      status: "missing",
      updated_at: null,
      values: { spend: 10, tier: "basic" },
    });
  });

  it("stale under the default policy: defaults; under flag: the value, marked stale", async () => {
    const r = await run({
      "user:u1": { ...fresh, updated_at: hoursBefore(2) },
      "fx:FR": { rate: 1.5, updated_at: hoursBefore(1) },
    });
    expect(r.context![0].lookups.user.status).toBe("stale");
    expect(r.context![0].lookups.user.values).toEqual({ spend: 10, tier: "basic" });
    expect(r.x[2]).toBe(1);
    expect(r.context![0].lookups.fx).toEqual({
      key: "fx:FR",
      status: "stale",
      updated_at: hoursBefore(1),
      values: { rate: 1.5 },
    });
    expect(r.x[5]).toBe(1.5);
  });

  it("future: a value updated after as_of is not used (point in time)", async () => {
    const r = await run({ "user:u1": { ...fresh, updated_at: "2026-01-01T12:00:01Z" }, "fx:FR": fx });
    expect(r.context![0].lookups.user.status).toBe("future");
    expect(r.context![0].lookups.user.values).toEqual({ spend: 10, tier: "basic" });
    // The same value asked about a second later is present.
    const later = await run({ "user:u1": { ...fresh, updated_at: "2026-01-01T12:00:01Z" }, "fx:FR": fx }, undefined, {
      asOf: "2026-01-01T12:00:02Z",
      explain: true,
    });
    expect(later.context![0].lookups.user.status).toBe("present");
  });

  it("malformed: a wrong field type, a non-object or a bad updated_at is an error with defaults", async () => {
    for (const bad of [{ ...fresh, spend: "lots" }, [1, 2], "text", { ...fresh, updated_at: "yesterday" }]) {
      const r = await run({ "user:u1": bad, "fx:FR": fx });
      expect(r.context![0].lookups.user.status).toBe("error");
      expect(r.context![0].lookups.user.values).toEqual({ spend: 10, tier: "basic" });
      expect(r.context![0].degraded).toBe(false);
    }
  });

  it("required but missing (or only known later): 400 naming the row and the key", async () => {
    const required = spec({ lookups: [{ ...SPEC.lookups[0], required: true }, SPEC.lookups[1]] });
    const list = [
      { user_id: "u1", amount: 1, country: "US" },
      { user_id: "u404", amount: 1, country: "US" },
    ];
    const err = await run({ "user:u1": fresh }, list, { asOf: AS_OF }, required).catch((e) => e);
    expect(err).toBeInstanceOf(ServeError);
    expect(err.status).toBe(400);
    expect(err.message).toBe("instances[1]: required context 'user:u404' (lookup 'user') is not in the store");
    const future = await run(
      { "user:u1": { ...fresh, updated_at: "2027-01-01T00:00:00Z" } },
      undefined,
      { asOf: AS_OF },
      required,
    ).catch((e) => e);
    expect(future.message).toMatch(
      /instances\[0\]: required context 'user:u1' \(lookup 'user'\) was only known after as_of/,
    );
  });

  it("store failure: error status, defaults, degraded rows, never a throw", async () => {
    const r = await run({ "fx:FR": fx }, undefined, undefined, undefined, {
      degraded: true,
      failed: new Set(["user:u1"]),
    });
    expect(r.context![0].lookups.user.status).toBe("error");
    expect(r.context![0].lookups.fx.status).toBe("present");
    expect(r.context![0].degraded).toBe(true);
  });

  it("context only on request; as_of from the request, a per-row field, or arrival", async () => {
    const quiet = await run({}, undefined, { asOf: AS_OF });
    expect(quiet.context).toBeUndefined();
    expect(quiet.outputs).toEqual(["score"]);
    // Asking for the context output by name (v2 `outputs`) turns it on as well.
    const named = await run({}, undefined, { asOf: AS_OF, outputs: ["context"] });
    expect(named.context?.[0].lookups.user.status).toBe("missing");
    const badAsOf = await run({}, undefined, { asOf: "2026-01-01 12:00" }).catch((e) => e);
    expect(badAsOf.message).toBe(
      'as_of: expected an ISO 8601 instant with Z or an offset, like 2015-06-01T12:00:00Z, got the string "2026-01-01 12:00"',
    );
    const outOfRange = await run({}, [{ user_id: "u", amount: -1, country: "US" }]).catch((e) => e);
    expect(outOfRange.message).toBe("instances[0].amount: expected a number in [0, 10000], got the number -1");
    const badCountry = await run({}, [{ user_id: "u", amount: 1, country: "XX" }]).catch((e) => e);
    expect(badCountry.message).toBe('instances[0].country: expected one of DE, FR, US, got the string "XX"');
  });
});
