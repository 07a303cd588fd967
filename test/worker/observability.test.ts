/**
 * Observability without state, inside workerd: a request id on every response (given, from a
 * traceparent, or generated), Server-Timing on predictions, and one JSON log line per request
 * that carries the id (as do fault lines). Through the Worker's own fetch and the app with overrides.
 */
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import contextFile from "../../model/artifacts/flights/context.json";
import { Registry } from "../../src/core/models/registry.ts";
import { appWith } from "../support/app-with.ts";
import { client } from "../support/client.ts";
import { entriesFor, FLIGHTS } from "../support/flights.ts";

const api = client((url, init) => exports.default.fetch(url, init));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const FLIGHTS_PREDICT = "/v1/models/flights:predict";
const flight = () => ({ instances: [FLIGHTS.cases[0]!.row] });

beforeAll(async () => {
  const all = JSON.parse(new TextDecoder().decode(contextFile as unknown as ArrayBuffer)) as Array<{
    key: string;
    value: string;
  }>;
  await Promise.all(entriesFor(all).map((e) => env.CONTEXT.put(e.key, e.value)));
});
afterEach(() => vi.restoreAllMocks());

/** Captures console.log's JSON lines while `run` runs. */
async function linesOf(run: () => Promise<unknown>): Promise<Array<Record<string, any>>> {
  const spy = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await run();
    return spy.mock.calls.map((args) => JSON.parse(String(args[0])));
  } finally {
    spy.mockRestore();
  }
}

/** `Server-Timing` as {name: dur}. */
function serverTiming(header: string | null): Record<string, number> {
  expect(header).not.toBeNull();
  return Object.fromEntries(
    header!.split(",").map((part) => {
      const [name, ...params] = part.trim().split(";");
      const dur = params.find((p) => p.startsWith("dur="));
      return [name!, Number(dur?.slice(4))];
    }),
  );
}

describe("request ids", () => {
  it("generates a fresh UUID per request when the caller sends none", async () => {
    const ids = await Promise.all([api.get("/v2"), api.get("/v2"), api.post(FLIGHTS_PREDICT, flight())]).then((rs) =>
      rs.map((r) => r.headers.get("x-request-id")),
    );
    ids.forEach((id) => expect(id).toMatch(UUID));
    expect(new Set(ids).size).toBe(3);
  });

  it("echoes a valid x-request-id, else the trace id of a valid traceparent", async () => {
    const given = await api.call("GET", "/v2", undefined, { "x-request-id": "checkout-7f3a:42" });
    expect(given.headers.get("x-request-id")).toBe("checkout-7f3a:42");
    const traced = await api.call("GET", "/v2", undefined, { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` });
    expect(traced.headers.get("x-request-id")).toBe(TRACE_ID);
    const both = await api.call("GET", "/v2", undefined, {
      "x-request-id": "mine",
      traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
    });
    expect(both.headers.get("x-request-id")).toBe("mine");
    const forged = await api.call("GET", "/v2", undefined, { "x-request-id": 'a","status":200' });
    expect(forged.headers.get("x-request-id")).toMatch(UUID);
  });

  it("is on every error: 400, 404, 405, 401, 429, a 500, and CORS preflights", async () => {
    const id = { "x-request-id": "err-1" };
    const answers = [
      await api.post(FLIGHTS_PREDICT, "{not json", id),
      await api.call("GET", "/nowhere", undefined, id),
      await api.call("GET", "/v2/models/tiny_layers/infer", undefined, id),
      await appWith({ API_KEYS: "k-0123456789abcdef" }).call("GET", "/v2", undefined, id),
      await appWith({ RATE_LIMITER: { limit: async () => ({ success: false }) } }).call("GET", "/v2", undefined, id),
      await appWith({ MAX_BATCH: "lots" }).call("GET", "/v2", undefined, id),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 404, 405, 401, 429, 500]);
    answers.forEach((a) => expect(a.headers.get("x-request-id"), String(a.status)).toBe("err-1"));
    const preflight = await appWith({ CORS_ORIGINS: "https://app.example" }).call(
      "OPTIONS",
      FLIGHTS_PREDICT,
      undefined,
      {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        ...id,
      },
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("x-request-id")).toBe("err-1");
  });

  it("lets browsers read it, Server-Timing and x-prediction-cache through CORS", async () => {
    const res = await appWith({ CORS_ORIGINS: "https://app.example" }).call("GET", "/v2", undefined, {
      origin: "https://app.example",
    });
    const exposed = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["x-request-id", "server-timing", "x-prediction-cache"]));
  });

  it("reaches service-binding callers of the routes too (Predictor.fetch)", async () => {
    const bound = (env as unknown as { SELF_RPC: Fetcher }).SELF_RPC;
    const res = await bound.fetch("http://serve.test/nowhere", { headers: { "x-request-id": "bound-1" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toBe("bound-1");
  });
});

describe("Server-Timing", () => {
  it("has kv, load, infer and total on a flights predict", async () => {
    const res = await api.post(FLIGHTS_PREDICT, flight());
    expect(res.status, res.text).toBe(200);
    const timing = serverTiming(res.headers.get("server-timing"));
    expect(Object.keys(timing)).toEqual(["kv", "load", "infer", "total"]);
    for (const [name, ms] of Object.entries(timing)) {
      expect(Number.isFinite(ms) && ms >= 0, `${name}=${ms}`).toBe(true);
    }
    expect(timing.total).toBeGreaterThanOrEqual(timing.kv! + timing.load! + timing.infer! - 0.05);
  });

  it("has load and infer (no KV) on a v2 infer of a fixture, and is absent where no model ran", async () => {
    const res = await api.post("/v2/models/tiny_graph/infer", {
      inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }],
    });
    expect(Object.keys(serverTiming(res.headers.get("server-timing")))).toEqual(["load", "infer", "total"]);
    expect((await api.get("/v2/health/live")).headers.get("server-timing")).toBeNull();
  });
});

describe("the request log line", () => {
  it("is one JSON line per request, with the id, route, model, version, status, ms and timings", async () => {
    const lines = await linesOf(() => api.post(FLIGHTS_PREDICT, flight(), { "x-request-id": "log-1" }));
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      event: "request",
      request_id: "log-1",
      method: "POST",
      path: FLIGHTS_PREDICT,
      route: "v1.predict",
      status: 200,
      model: "flights",
      version: 1,
      auth: "open",
    });
    expect(Object.keys(line!.timings)).toEqual(expect.arrayContaining(["kv", "load", "infer"]));
    expect(typeof line!.ms).toBe("number");
    expect(line!.error).toBeUndefined();
  });

  it("names the error code of an error answer, 401 and 429 included", async () => {
    const lines = await linesOf(async () => {
      await api.post("/v2/models/tiny_layers/infer", { inputs: [] }, { "x-request-id": "bad-1" });
      await api.get("/v2/models/no_such_model");
      await appWith({ API_KEYS: "k-0123456789abcdef" }).get("/v2");
      await appWith({ RATE_LIMITER: { limit: async () => ({ success: false }) } }).get("/v2");
    });
    expect(lines.map((l) => [l.event, l.status, l.error])).toEqual([
      ["request", 400, "INVALID_INPUT"],
      ["request", 404, "MODEL_NOT_FOUND"],
      ["request", 401, "UNAUTHORIZED"],
      ["request", 429, "RATE_LIMITED"],
    ]);
    expect(lines[0]!.request_id).toBe("bad-1");
  });

  it("comes with fault lines that carry the same request id", async () => {
    vi.spyOn(Registry.prototype, "resolve").mockRejectedValue(new TypeError("secret detail"));
    const lines = await linesOf(() =>
      api.post("/v1/models/tiny_graph:predict", { instances: [[1, 2, 3, 4]] }, { "x-request-id": "fault-1" }),
    );
    expect(lines.map((l) => [l.event, l.request_id])).toEqual([
      ["unhandled_error", "fault-1"],
      ["request", "fault-1"],
    ]);
    expect(lines[1]).toMatchObject({ status: 500, error: "INTERNAL" });
  });

  it("is written for RPC calls too, with a generated id", async () => {
    const bound = (env as unknown as { SELF_RPC: { predict(m: string, i: unknown[]): Promise<unknown> } }).SELF_RPC;
    const lines = await linesOf(() => bound.predict("tiny_graph", [[1, 2, 3, 4]]));
    const rpc = lines.filter((l) => l.event === "request");
    expect(rpc).toHaveLength(1);
    expect(rpc[0]).toMatchObject({
      method: "RPC",
      path: "predict",
      route: "rpc.predict",
      status: 200,
      model: "tiny_graph",
    });
    expect(rpc[0]!.request_id).toMatch(UUID);
  });
});

describe("Analytics Engine", () => {
  it("is absent in this config, and requests are served without errors or extra lines", async () => {
    expect((env as unknown as { ANALYTICS?: unknown }).ANALYTICS).toBeUndefined();
    const lines = await linesOf(() => api.post(FLIGHTS_PREDICT, flight()));
    expect(lines.map((l) => l.event)).toEqual(["request"]);
  });

  it("gets one data point per request when bound", async () => {
    const points: Array<{ indexes: string[]; blobs: string[]; doubles: number[] }> = [];
    const dataset = { writeDataPoint: (p: (typeof points)[number]) => void points.push(p) };
    const app = appWith({ ANALYTICS: dataset });
    await linesOf(async () => {
      await app.post(FLIGHTS_PREDICT, flight(), { "x-request-id": "ae-1" });
      await app.get("/nowhere");
    });
    expect(points).toHaveLength(2);
    expect(points[0]!.indexes).toEqual(["flights"]);
    expect(points[0]!.blobs).toEqual(["flights", "1", "2xx", "v1.predict", "", "", "ae-1"]);
    expect(points[0]!.doubles).toHaveLength(6);
    expect(points[0]!.doubles[5]).toBe(200);
    expect(points[1]!.blobs.slice(0, 5)).toEqual(["", "", "4xx", "other", "NOT_FOUND"]);
  });
});
