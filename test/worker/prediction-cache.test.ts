/**
 * The opt-in prediction cache (PREDICTION_CACHE=on) inside workerd, over the Cache API: a repeated
 * request is a hit with a byte-identical body, other inputs or other context values miss, cache
 * faults fall through to the model, and with the cache off nothing is read and no header is sent.
 * Inputs carry a random part so every run starts from keys the cache has never seen.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PREDICTION_CACHE_ORIGIN } from "../../src/adapters/cache-api/predictions.ts";
import { Predictor } from "../../src/rpc/predictor.ts";
import { appWith, envWith } from "../support/app-with.ts";

const on = appWith({ PREDICTION_CACHE: "on" });
const nonce = () => Math.round(Math.random() * 1e6) / 1e6;
const tiny = (x = nonce()) => ({ instances: [{ features: [x, 0.2, 0.3, 0.4], extra: [1, 2], key: "k-1" }] });
const TINY = "/v1/models/tiny_layers/versions/2:predict";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("with PREDICTION_CACHE=on", () => {
  it("answers a repeated request from the cache, byte for byte what the model answered", async () => {
    const body = tiny();
    const miss = await on.post(TINY, body);
    const hit = await on.post(TINY, body);
    expect(miss.status, miss.text).toBe(200);
    expect([miss.headers.get("x-prediction-cache"), hit.headers.get("x-prediction-cache")]).toEqual(["miss", "hit"]);
    expect(hit.text).toBe(miss.text);
    // A hit skips the model: Server-Timing has the cache lookup and no inference.
    expect(hit.headers.get("server-timing")).toMatch(/^load;dur=[\d.]+, cache;dur=[\d.]+, total;dur=[\d.]+$/);
    expect(miss.headers.get("server-timing")).toMatch(/cache;dur=[\d.]+, infer;dur=/);
    // And equals the answer with the cache off.
    expect((await appWith().post(TINY, body)).text).toBe(miss.text);
  });

  it("misses for other inputs, another version, and answers pass-through keys per request", async () => {
    const x = nonce();
    await on.post(TINY, tiny(x));
    expect((await on.post(TINY, tiny(x + 0.5))).headers.get("x-prediction-cache")).toBe("miss");
    expect(
      (await on.post("/v1/models/tiny_layers/versions/1:predict", tiny(x))).headers.get("x-prediction-cache"),
    ).toBe("miss");
    const rekeyed = { instances: [{ ...tiny(x).instances[0], key: "another-key" }] };
    const hit = await on.post(TINY, rekeyed);
    expect(hit.headers.get("x-prediction-cache")).toBe("hit");
    expect(hit.json.predictions[0].key).toBe("another-key");
  });

  it("keeps API keys apart by default: a second key misses what the first stored (PREDICTION_CACHE_SCOPE=key)", async () => {
    const keys = { API_KEYS: "key-one-0123456789,key-two-0123456789" };
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const scoped = appWith({ PREDICTION_CACHE: "on", ...keys });
    const body = tiny();
    const first = await scoped.call("POST", TINY, body, as("key-one-0123456789"));
    const again = await scoped.call("POST", TINY, body, as("key-one-0123456789"));
    const other = await scoped.call("POST", TINY, body, as("key-two-0123456789"));
    expect([first.status, again.status, other.status]).toEqual([200, 200, 200]);
    expect([first, again, other].map((r) => r.headers.get("x-prediction-cache"))).toEqual(["miss", "hit", "miss"]);
    expect(other.text).toBe(first.text);

    // Shared only when asked for: then the second key hits what the first stored.
    const shared = appWith({ PREDICTION_CACHE: "on", PREDICTION_CACHE_SCOPE: "shared", ...keys });
    const body2 = tiny();
    await shared.call("POST", TINY, body2, as("key-one-0123456789"));
    const hit = await shared.call("POST", TINY, body2, as("key-two-0123456789"));
    expect(hit.headers.get("x-prediction-cache")).toBe("hit");
    expect((await appWith({ PREDICTION_CACHE_SCOPE: "everyone" }).get("/v2/models/tiny_layers")).json.error).toMatch(
      /PREDICTION_CACHE_SCOPE must be "key" or "shared", got 'everyone'/,
    );
  });

  it("serves v2 infer and BYTES inputs through it the same way", async () => {
    const body = {
      inputs: [
        { name: "text", shape: [2], datatype: "BYTES", data: [`hello ${nonce()}`, "world"] },
        { name: "count", shape: [2], datatype: "INT32", data: [1, 3] },
      ],
    };
    const miss = await on.post("/v2/models/tiny_text/infer", body);
    const hit = await on.post("/v2/models/tiny_text/infer", body);
    expect([miss.headers.get("x-prediction-cache"), hit.headers.get("x-prediction-cache")]).toEqual(["miss", "hit"]);
    expect(hit.text).toBe(miss.text);
  });

  it("keys flights by the context values used: a changed KV value is a miss with the new value", async () => {
    // Two made-up airports, so this test owns their KV entries.
    const airport = (late_rate: number) =>
      JSON.stringify({ lat: 40, lon: -100, utc_offset: -6, dst: true, late_rate, flights: 5000 });
    await env.CONTEXT.put("ap:QQA", airport(0.2));
    await env.CONTEXT.put("ap:QQB", airport(0.25));
    const body = {
      instances: [{ origin: "QQA", destination: "QQB", departure: "2001-06-15T08:30", distance: 500 + nonce() }],
    };
    const first = await on.post("/v1/models/flights:predict", body);
    const again = await on.post("/v1/models/flights:predict", body);
    expect(first.status, first.text).toBe(200);
    expect([first.headers.get("x-prediction-cache"), again.headers.get("x-prediction-cache")]).toEqual(["miss", "hit"]);
    expect(again.text).toBe(first.text);
    await env.CONTEXT.put("ap:QQA", airport(0.6));
    const changed = await on.post("/v1/models/flights:predict", body);
    expect(changed.headers.get("x-prediction-cache")).toBe("miss");
    expect(changed.json.predictions[0].context.origin.late_rate).toBe(0.6);
    expect(changed.json.predictions[0].delay_probability).not.toBe(first.json.predictions[0].delay_probability);
  });

  it("falls through to the model when the Cache API throws, logging the fault with the request id", async () => {
    const body = tiny();
    const expected = (await appWith().post(TINY, body)).text;
    const failing = {
      match: async () => {
        throw new Error("cache unavailable");
      },
      put: async () => {
        throw new Error("cache unavailable");
      },
    };
    vi.stubGlobal("caches", { default: failing });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const res = await on.post(TINY, body, { "x-request-id": "cache-fault-1" });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe(expected);
    expect(res.headers.get("x-prediction-cache")).toBe("miss");
    const lines = log.mock.calls.map((a) => JSON.parse(String(a[0])));
    expect(
      lines.filter((l) => l.event === "prediction_cache_failed").map((l) => [l.op, l.request_id, l.model]),
    ).toEqual([
      ["match", "cache-fault-1", "tiny_layers"],
      ["put", "cache-fault-1", "tiny_layers"],
    ]);
  });
});

describe("over RPC with PREDICTION_CACHE=on", () => {
  it("answers a repeated predict from the cache (written in waitUntil), equal to the first answer", async () => {
    const instances = tiny().instances;
    const calls: unknown[] = [];
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    for (let i = 0; i < 2; i++) {
      const ctx = createExecutionContext();
      calls.push(
        await new Predictor(ctx, envWith({ PREDICTION_CACHE: "on" })).predict("tiny_layers", instances, { version: 2 }),
      );
      await waitOnExecutionContext(ctx); // the cache write was handed to waitUntil
    }
    expect(calls[1]).toEqual(calls[0]);
    const lines = log.mock.calls.map((a) => JSON.parse(String(a[0]))).filter((l) => l.event === "request");
    expect(lines.map((l) => [l.route, l.cache])).toEqual([
      ["rpc.predict", "miss"],
      ["rpc.predict", "hit"],
    ]);
  });
});

describe("with PREDICTION_CACHE off (the default)", () => {
  it("sends no header and never reads or writes the prediction cache", async () => {
    const match = vi.spyOn(caches.default, "match");
    const put = vi.spyOn(caches.default, "put");
    for (const api of [appWith(), appWith({ PREDICTION_CACHE: "off" })]) {
      const res = await api.post(TINY, tiny());
      expect(res.status).toBe(200);
      expect(res.headers.get("x-prediction-cache")).toBeNull();
    }
    const ours = (calls: unknown[][]) =>
      calls.filter((args) =>
        String(args[0] instanceof Request ? args[0].url : args[0]).startsWith(PREDICTION_CACHE_ORIGIN),
      );
    expect(ours(match.mock.calls)).toEqual([]);
    expect(ours(put.mock.calls)).toEqual([]);
    // The spies see calls at all (so an empty list means something): the cache on reads through them.
    await on.post(TINY, tiny());
    expect(ours(match.mock.calls)).toHaveLength(1);
    expect(ours(put.mock.calls)).toHaveLength(1);
  });

  it("refuses a PREDICTION_CACHE or PREDICTION_CACHE_TTL it cannot read (500 misconfigured)", async () => {
    expect((await appWith({ PREDICTION_CACHE: "yes" }).post(TINY, tiny())).json.error).toMatch(
      /PREDICTION_CACHE must be "on" or "off"/,
    );
    expect((await appWith({ PREDICTION_CACHE_TTL: "0" }).post(TINY, tiny())).json.error).toMatch(
      /PREDICTION_CACHE_TTL must be an integer >= 1/,
    );
  });
});
