/**
 * The surfaces of live quality inside workerd: POST /v2/models/{name}/outcomes (its own keys, a bad
 * row applies nothing, idempotent), the flights feed's arrivals becoming outcomes with no extra
 * call, GET /v2/models/{name}/quality, and Triton's statistics extension, whose JSON is checked
 * against the schema of triton-inference-server/server docs/protocol/extension_statistics.md
 * (written out below from that document, not from this server's code).
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { QueueRecord } from "../../src/core/monitoring/record.ts";
import { V2ModelQuality, V2ModelStats } from "../../src/http/openapi/responses.ts";
import { appWith } from "../support/app-with.ts";
import { validate } from "../support/json-schema.ts";
import { outcome, prediction } from "../support/monitor-records.ts";

const KEY = "outcome-test-key-0123456789";
const INGEST_KEY = "ingest-test-key-0123456789";
const api = appWith({ OUTCOME_KEYS: KEY, INGEST_KEYS: INGEST_KEY, API_KEYS: "" });
const auth = { authorization: `Bearer ${KEY}` };
const OUTCOMES = "/v2/models/flights/outcomes";
const monitor = (model: string) => env.MONITOR.get(env.MONITOR.idFromName(model));
const fold = (records: QueueRecord[]) => monitor("flights").fold(records, { retentionDays: 14 });

describe("POST /v2/models/{name}/outcomes", () => {
  it("is closed without OUTCOME_KEYS and refuses a missing, wrong or prediction key", async () => {
    const body = { outcomes: [{ key: "k", value: 1, time: "2001-06-15T17:42:00Z" }] };
    const closed = await appWith({ OUTCOME_KEYS: "", API_KEYS: "" }).post(OUTCOMES, body, auth);
    expect(closed.status).toBe(403);
    expect(closed.json.error).toMatch(/OUTCOME_KEYS/);
    expect((await api.post(OUTCOMES, body)).status).toBe(401);
    expect((await api.post(OUTCOMES, body, { authorization: "Bearer nope" })).status).toBe(401);
    const keyed = appWith({ OUTCOME_KEYS: KEY, API_KEYS: "predict-key" });
    expect((await keyed.post(OUTCOMES, body, { authorization: "Bearer predict-key" })).status).toBe(401);
    // And an outcome key is no prediction key.
    const predict = await keyed.post("/v1/models/flights:predict", { instances: [] }, auth);
    expect(predict.status).toBe(401);
  });

  it("answers a bad row with a 400 naming the row and field, and applies none of the request", async () => {
    const good = { key: "bad-batch-1", value: 1, time: "2001-06-15T17:42:00Z" };
    for (const [row, field, message] of [
      [{ key: "bad-batch-2", value: "late", time: good.time }, "outcomes[1].value", /finite number/],
      [{ key: "", value: 1, time: good.time }, "outcomes[1].key", /string of 1-200/],
      [{ key: "bad-batch-2", value: 1, time: "June 15" }, "outcomes[1].time", /ISO 8601/],
      [7, "outcomes[1]", /object with key, value and time/],
    ] as const) {
      const res = await api.post(OUTCOMES, { outcomes: [good, row] }, auth);
      expect(res.status, res.text).toBe(400);
      expect(res.json.error).toContain(field);
      expect(res.json.error).toMatch(message);
    }
    expect((await api.post(OUTCOMES, { outcomes: [] }, auth)).json.error).toMatch(/1 to 1000 outcomes, got 0/);
    // The good row of those requests was never applied: it is new now.
    const res = await api.post(OUTCOMES, { outcomes: [good] }, auth);
    expect(res.json).toMatchObject({ model: "flights", outcomes: 1, applied: 1, duplicates: 0 });
  });

  it("is idempotent by key and value, joins earlier predictions, and 404s an unknown model", async () => {
    await fold([prediction("flights", "route-r1", "route-k1", 0.7)]);
    const body = { outcomes: [{ key: "route-k1", value: 1, time: "2001-06-15T17:42:00Z" }] };
    const first = await api.post(OUTCOMES, body, auth);
    expect(first.status, first.text).toBe(200);
    expect(first.json).toEqual({ model: "flights", outcomes: 1, applied: 1, duplicates: 0, superseded: 0, joined: 1 });
    const again = await api.post(OUTCOMES, body, auth);
    expect(again.json).toEqual({ model: "flights", outcomes: 1, applied: 0, duplicates: 1, superseded: 0, joined: 0 });
    const unknown = await api.post("/v2/models/no_such_model/outcomes", body, auth);
    expect(unknown.status).toBe(404);
  });
});

describe("flights arrivals are outcomes", () => {
  beforeAll(async () => {
    for (const [code, ap] of Object.entries({
      SFO: { utc_offset: -8, dst: true, lat: 37.62, lon: -122.37 },
      ORD: { utc_offset: -6, dst: true, lat: 41.98, lon: -87.9 },
    }))
      await env.CONTEXT.put(`ap:${code}`, JSON.stringify({ ...ap, late_rate: 0.2, flights: 1000 }));
  });

  it("folds every arrived event of POST /ingest/flights/events as the flight's outcome (late: delay > 15 min)", async () => {
    const flight = (id: string) => ({
      id,
      origin: "SFO",
      destination: "ORD",
      departure: "2001-06-15T08:30",
      distance: 1846,
    });
    await fold([
      prediction("flights", "arr-r1", "UA1-2001-06-15", 0.8),
      prediction("flights", "arr-r2", "UA2-2001-06-15", 0.3),
    ]);
    const events = [
      { id: "e1", type: "scheduled", time: "2001-06-14T12:00:00Z", flight: flight("UA1-2001-06-15") },
      { id: "e2", type: "arrived", time: "2001-06-15T21:00:00Z", delay: 40, flight: flight("UA1-2001-06-15") },
      { id: "e3", type: "arrived", time: "2001-06-15T21:05:00Z", delay: 15, flight: flight("UA2-2001-06-15") },
    ];
    const res = await api.post("/ingest/flights/events", { events }, { authorization: `Bearer ${INGEST_KEY}` });
    expect(res.status, res.text).toBe(202);
    // The object holds UA1 -> 1 and UA2 -> 0: the same outcomes again are duplicates, the other values are not.
    const same = await fold([outcome("flights", "UA1-2001-06-15", 1), outcome("flights", "UA2-2001-06-15", 0)]);
    expect(same.duplicates).toBe(2);
    const rows = await monitor("flights").sizes();
    expect(rows.outcomes).toBeGreaterThanOrEqual(2);
    // A replayed feed changes nothing.
    await api.post("/ingest/flights/events", { events }, { authorization: `Bearer ${INGEST_KEY}` });
    const doc = (await api.get("/v2/models/flights/quality")).json;
    const day = doc.reports.find((r: { version: number; window: string }) => r.version === 1 && r.window === "1h");
    expect(day.report.joined).toBeGreaterThanOrEqual(2);
  });
});

describe("GET /v2/models/{name}/quality", () => {
  it("answers the quality document per version, arm and window, ending at `at`", async () => {
    await fold([prediction("flights", "q-r1", "q-k1", 0.9), outcome("flights", "q-k1", 1)]);
    const now = await api.get("/v2/models/flights/quality");
    expect(now.status, now.text).toBe(200);
    expect(now.json.model).toBe("flights");
    expect(V2ModelQuality.safeParse(now.json).error).toBeUndefined(); // what the OpenAPI document says
    const windows = now.json.reports
      .filter((r: { version: number; arm: string }) => r.version === 1 && r.arm === "default")
      .map((r: { window: string }) => r.window);
    expect(windows).toEqual(["1h", "24h", "7d"]);
    const r = now.json.reports[0];
    expect(Object.keys(r).sort()).toEqual(["arm", "from", "report", "to", "version", "window"]);
    expect(r.report.binary.positives).toBeGreaterThanOrEqual(1);
    // Two days ago nothing had been predicted yet: no reports.
    const past = await api.get(`/v2/models/flights/quality?at=${new Date(Date.now() - 2 * 86_400_000).toISOString()}`);
    expect(past.json.reports.filter((x: { window: string }) => x.window !== "7d")).toEqual([]);
    const bad = await api.get("/v2/models/flights/quality?at=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^at: expected an ISO 8601 instant/);
    expect((await api.get("/v2/models/no_such_model/quality")).status).toBe(404);
  });
});

// Triton's $stats_model_response, from docs/protocol/extension_statistics.md.
const duration = {
  type: "object",
  required: ["count", "ns"],
  properties: { count: { type: "integer", minimum: 0 }, ns: { type: "integer", minimum: 0 } },
  additionalProperties: false,
};
const TRITON_STATS = {
  type: "object",
  required: ["model_stats"],
  additionalProperties: false,
  properties: {
    model_stats: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "last_inference", "inference_count", "execution_count", "inference_stats", "batch_stats"],
        properties: {
          name: { type: "string" },
          version: { type: "string" },
          last_inference: { type: "integer", minimum: 0 },
          inference_count: { type: "integer", minimum: 0 },
          execution_count: { type: "integer", minimum: 0 },
          inference_stats: {
            type: "object",
            required: ["success", "fail", "queue", "compute_input", "compute_infer", "compute_output", "cache_hit"],
            additionalProperties: duration,
          },
          batch_stats: {
            type: "array",
            items: {
              type: "object",
              required: ["batch_size", "compute_input", "compute_infer", "compute_output"],
            },
          },
        },
        additionalProperties: false,
      },
    },
  },
};

describe("Triton statistics extension", () => {
  it("is advertised in GET /v2's extensions", async () => {
    expect((await api.get("/v2")).json.extensions).toContain("statistics");
  });

  it("answers Triton's JSON at all three URLs, counting rows, requests and failures", async () => {
    const before = (await api.get("/v2/models/flights/versions/1/stats")).json.model_stats[0];
    const at = Date.parse("2030-01-01T00:00:00Z");
    await fold([
      prediction("flights", "s-r1", null, 0.1, { latency_ms: 5, time: new Date(at).toISOString() }),
      prediction("flights", "s-r1", null, 0.2, { row: 1, latency_ms: 5, time: new Date(at).toISOString() }),
      {
        kind: "error",
        time: new Date().toISOString(),
        request_id: "s-r2",
        protocol: "v1",
        model: "flights",
        version: 1,
        arm: "default",
        code: "INVALID_INPUT",
        status: 400,
        latency_ms: 2,
      },
    ]);
    for (const path of ["/v2/models/stats", "/v2/models/flights/stats", "/v2/models/flights/versions/1/stats"]) {
      const res = await api.get(path);
      expect(res.status, `${path}: ${res.text}`).toBe(200);
      expect(validate(TRITON_STATS, res.json, TRITON_STATS), path).toEqual([]);
      expect(V2ModelStats.safeParse(res.json).error, path).toBeUndefined(); // what the OpenAPI document says
    }
    const all = (await api.get("/v2/models/stats")).json.model_stats;
    expect(all.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining(["flights", "tiny_layers"]));
    const one = (await api.get("/v2/models/flights/versions/1/stats")).json.model_stats;
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ name: "flights", version: "1", last_inference: at });
    expect(one[0].inference_count - before.inference_count).toBe(2);
    expect(one[0].execution_count - before.execution_count).toBe(1);
    const s = one[0].inference_stats;
    expect(s.success.count - before.inference_stats.success.count).toBe(1);
    expect(s.success.ns - before.inference_stats.success.ns).toBe(5_000_000);
    expect(s.fail.count - before.inference_stats.fail.count).toBe(1);
    expect(s.fail.ns - before.inference_stats.fail.ns).toBe(2_000_000);
    expect((await api.get("/v2/models/flights/versions/99/stats")).status).toBe(404);
    expect((await api.get("/v2/models/no_such_model/stats")).status).toBe(404);
  });
});
