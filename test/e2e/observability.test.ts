/**
 * Observability and the prediction cache in the built bundle under Miniflare (production config,
 * wasm backend): request ids, Server-Timing on a flights predict, one log line per request read
 * from workerd's own stdout, and PREDICTION_CACHE=on with its writes going through waitUntil.
 */

import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putAll, readEntries } from "../../scripts/local-context.ts";
import { client } from "../support/client.ts";
import { entriesFor, FLIGHTS } from "../support/flights.ts";
import { fetcher, serverOptions } from "./worker.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PREDICT = "/v1/models/flights:predict";
let mf: Miniflare;
let out = "";

beforeAll(async () => {
  mf = new Miniflare({
    ...serverOptions({ PREDICTION_CACHE: "on" }),
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      stderr.resume();
    },
  } as ConstructorParameters<typeof Miniflare>[0]);
  await mf.ready;
  await putAll(await mf.getKVNamespace("CONTEXT"), entriesFor(readEntries()));
});
afterAll(async () => {
  await mf?.dispose();
});

/** JSON lines workerd printed that mention `id`, after waiting briefly for stdout to drain. */
async function linesWith(id: string): Promise<Array<Record<string, any>>> {
  for (let i = 0; i < 50 && !out.includes(id); i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
  return out
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes(id))
    .map((l) => JSON.parse(l));
}

describe("built bundle: observability", () => {
  it("generates unique request ids and echoes given ones and traceparent trace ids", async () => {
    const api = client(fetcher(mf));
    const [a, b] = await Promise.all([api.get("/v2"), api.get("/nowhere")]);
    expect(a.headers.get("x-request-id")).toMatch(UUID);
    expect(b.headers.get("x-request-id")).toMatch(UUID);
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
    expect((await api.call("GET", "/v2", undefined, { "x-request-id": "e2e-given" })).headers.get("x-request-id")).toBe(
      "e2e-given",
    );
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const traced = await api.call("GET", "/nowhere", undefined, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect([traced.status, traced.headers.get("x-request-id")]).toEqual([404, traceId]);
  });

  it("answers a flights predict with Server-Timing kv, load, infer, total and one log line carrying the id", async () => {
    const res = await client(fetcher(mf)).post(
      PREDICT,
      { instances: [FLIGHTS.cases[1]!.row] },
      { "x-request-id": "e2e-flights-1" },
    );
    expect(res.status, res.text).toBe(200);
    const timing = res.headers.get("server-timing") ?? "";
    expect(timing.split(", ").map((p) => p.split(";")[0])).toEqual(["kv", "load", "cache", "infer", "total"]);
    for (const part of timing.split(", ")) expect(part).toMatch(/^[a-z]+;dur=\d+(\.\d+)?$/);
    const lines = await linesWith("e2e-flights-1");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      event: "request",
      request_id: "e2e-flights-1",
      status: 200,
      model: "flights",
      version: 1,
      route: "v1.predict",
      cache: "miss",
    });
    expect(Object.keys(lines[0]!.timings).sort()).toEqual(["cache", "infer", "kv", "load"]);
  });

  it("serves a repeated prediction from the Cache API (written in waitUntil), byte-identical", async () => {
    const api = client(fetcher(mf));
    const body = { instances: [{ ...FLIGHTS.cases[2]!.row, key: "e2e" }] };
    const first = await api.post(PREDICT, body);
    expect(first.headers.get("x-prediction-cache")).toBe("miss");
    let again = await api.post(PREDICT, body);
    // The write is not awaited by the answer: give it a moment to land (bounded).
    for (let i = 0; i < 20 && again.headers.get("x-prediction-cache") !== "hit"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await api.post(PREDICT, body);
    }
    expect(again.headers.get("x-prediction-cache")).toBe("hit");
    expect(again.text).toBe(first.text);
    expect(again.headers.get("server-timing")).not.toMatch(/infer/);
  });
});
