/**
 * Service bindings between built bundles: the example consumer (flight-status) calls stateless-serve
 * over RPC and over the binding's fetch form, with both production configs, and gets what a public
 * HTTP caller gets. Errors cross with their code, status and message, whatever the caller's
 * compatibility date; bound callers need no API key.
 */
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "../support/client.ts";
import { serverFetcher, startPair } from "./bindings.ts";
import { fetcher, startWorker } from "./worker.ts";

const KEY = "e2e-binding-key-0123456789";
let pair: Miniflare;
let keyed: Miniflare;
let oldCaller: Miniflare;
let publicServer: Miniflare;

beforeAll(async () => {
  // stateless-serve on its own, as a public URL for the consumer's no-binding route (/predict/url).
  publicServer = await startWorker();
  const SERVE_URL = (await publicServer.ready).toString().replace(/\/$/, "");
  [pair, keyed, oldCaller] = await Promise.all([
    startPair({ consumerVars: { MODEL: "tiny_graph", SERVE_URL } }),
    startPair({ consumerVars: { MODEL: "tiny_graph" }, serverVars: { API_KEYS: KEY } }),
    // Before 2026-04-21 (no enhanced_error_serialization) an RPC error loses its name and properties.
    startPair({ consumerVars: { MODEL: "tiny_graph" }, consumerCompatibilityDate: "2024-09-23" }),
  ]);
});
afterAll(async () => {
  await Promise.all([pair?.dispose(), keyed?.dispose(), oldCaller?.dispose(), publicServer?.dispose()]);
});

const PREDICT = "/v1/models/tiny_graph:predict";
const instances = [
  { x: [1, 2, 3, 4], key: "UA123" },
  { x: [0.5, 0, 0, 1], key: "DL42" },
];

describe("consumer → stateless-serve over a service binding (built bundles)", () => {
  it("answers over RPC, over fetch and over a plain URL exactly what the public HTTP route answers", async () => {
    const consumer = client(fetcher(pair));
    const direct = await client(serverFetcher(pair)).post(PREDICT, { instances });
    expect(direct.status, direct.text).toBe(200);
    for (const route of ["/predict", "/predict/http", "/predict/url"]) {
      const res = await consumer.post(route, { instances });
      expect(res.status, `${route}: ${res.text}`).toBe(200);
      expect(res.json).toEqual({
        model_name: "tiny_graph",
        model_version: direct.headers.get("x-model-version"),
        predictions: direct.json.predictions,
      });
      expect(JSON.stringify(res.json.predictions)).toBe(JSON.stringify(direct.json.predictions));
    }
    expect(direct.json.predictions.map((p: { key: string }) => p.key)).toEqual(["UA123", "DL42"]);
  });

  it("carries a bad request's status and message through both forms, as the HTTP route gives them", async () => {
    const bad = { instances: [[1, 2, 3]] };
    const direct = await client(serverFetcher(pair)).post(PREDICT, bad);
    expect(direct.status).toBe(400);
    const consumer = client(fetcher(pair));
    expect((await consumer.post("/predict", bad)).json).toEqual({ error: direct.json.error, code: "INVALID_INPUT" });
    expect((await consumer.post("/predict/http", bad)).json).toEqual({ error: direct.json.error });
    expect((await consumer.post("/predict", bad)).status).toBe(400);
  });

  it("maps a model that does not take flights to the model's own 400 on the flight route", async () => {
    const res = await client(fetcher(pair)).get(
      "/flights/SFO/LAX?departure=2001-06-15T08:30&distance=337&flight=UA123",
    );
    expect(res.status, res.text).toBe(400);
    expect(res.json).toEqual({
      code: "INVALID_INPUT",
      error: "instances[0]: unknown input 'origin'; this model's inputs are 'x'",
    });
  });

  it("scores a flight with the bundled flights model when it is there", async (_ctx) => {
    const flights = await startPair();
    try {
      const _models: Array<{ name: string }> = (await client(serverFetcher(flights)).get("/")).json.models;
      const instance = {
        origin: "SFO",
        destination: "LAX",
        departure: "2001-06-15T08:30",
        distance: 337,
        key: "UA123",
      };
      const res = await client(fetcher(flights)).get(
        "/flights/SFO/LAX?departure=2001-06-15T08:30&distance=337&flight=UA123",
      );
      const direct = await client(serverFetcher(flights)).post("/v1/models/flights:predict", { instances: [instance] });
      expect(res.status, res.text).toBe(200);
      expect(res.json.delay_risk).toEqual({
        probability: direct.json.predictions[0].delay_probability,
        delayed: direct.json.predictions[0].delayed,
      });
      expect(res.json.flight).toEqual({
        number: "UA123",
        origin: "SFO",
        destination: "LAX",
        departure: "2001-06-15T08:30",
        distance: 337,
      });
    } finally {
      await flights.dispose();
    }
  });

  it("reports readiness over RPC", async () => {
    expect((await client(fetcher(pair)).get("/ready")).json).toEqual({ name: "tiny_graph", ready: true });
  });

  it("needs no API key over the binding, while the public edge asks for one", async () => {
    expect((await client(serverFetcher(keyed)).post(PREDICT, { instances })).status).toBe(401);
    const consumer = client(fetcher(keyed));
    for (const route of ["/predict", "/predict/http"])
      expect((await consumer.post(route, { instances })).status, route).toBe(200);
  });

  it("lets a caller on an old compatibility date read the error just the same", async () => {
    const res = await client(fetcher(oldCaller)).post("/predict", { instances: [[1, 2, 3]] });
    const direct = await client(serverFetcher(oldCaller)).post(PREDICT, { instances: [[1, 2, 3]] });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: direct.json.error, code: "INVALID_INPUT" });
  });
});
