/**
 * The live context's ingestion in the built bundle (production config, Durable Objects under
 * Miniflare) on REAL data: every 2001-06-15 flight touching SFO's or LAX's day is replayed as
 * events (scripts/replay-events.ts, as `npm run replay` sends them), in event-time order. The
 * values the objects write must equal the committed offline file's (model/flights/context.ts
 * built them from the parquet), and SFO -> LAX predictions at several as_of must equal the Node
 * pipeline's from that file: same context counts, same probability to 1e-6.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAirports, loadFlights } from "../../model/flights/data.ts";
import { cpuBackend, loadModel, predict } from "../../model/flights/model.ts";
import { putAll, readEntries } from "../../scripts/local-context.ts";
import { dayEvents, type ReplayEvent } from "../../scripts/replay-events.ts";
import type { EntityValue } from "../../src/core/streams/buckets.ts";
import { durationMs } from "../../src/core/streams/spec.ts";
import { readWindow } from "../../src/core/streams/window.ts";
import { parseEvents } from "../../src/pipelines/flights/events.ts";
import {
  AirportValueSchema,
  buildFeatures,
  type FlightStreamEvent,
  FlightsParamsSchema,
  flightStreamEvent,
  LiveValueSchema,
  liveAt,
  lookupFromEntries,
  parseAsOf,
  parseFlight,
  utcOffsetOn,
} from "../../src/pipelines/flights/index.ts";
import { client } from "../support/client.ts";
import { fetcher, startWorker } from "./worker.ts";

const KEY = "e2e-ingest-key-0123456789abcdef";
const STREAM_KEY = "e2e-stream-key-0123456789abcdef";
const WANTED = ["cong:SFO:2001-06-15", "cong:LAX:2001-06-15"];
const state = mkdtempSync(join(tmpdir(), "stateless-serve-ingest-"));
const entries = readEntries();
let mf: Miniflare;
let events: ReplayEvent[];

beforeAll(async () => {
  const flights = await loadFlights(1);
  const airports = loadAirports([...flights.origin, ...flights.destination]);
  events = dayEvents(flights, airports, "2001-06-15", (key) => WANTED.includes(key));
  mf = await startWorker({ persistTo: state, vars: { INGEST_KEYS: KEY, STREAM_KEYS: STREAM_KEY } });
  // The static context only: the day's cong: values must come from the replay.
  await putAll(
    await mf.getKVNamespace("CONTEXT"),
    entries.filter((e) => !e.key.startsWith("cong:")),
  );
}, 120_000);
afterAll(async () => {
  await mf?.dispose();
  rmSync(state, { recursive: true, force: true });
});

const api = () => client(fetcher(mf));
const strip = (value: string) => {
  const { updated_at: _, ...rest } = JSON.parse(value) as Record<string, unknown>;
  return rest;
};

async function settled(keys: string[]) {
  const kv = await mf.getKVNamespace("CONTEXT");
  const deadline = Date.now() + 20_000;
  // The objects write within a second of the last update (their alarm); wait for both values to stop changing.
  let last = "";
  for (;;) {
    await new Promise((r) => setTimeout(r, 1200));
    const now = JSON.stringify(await Promise.all(keys.map((k) => kv.get(k))));
    if (now === last || Date.now() > deadline) return;
    last = now;
  }
}

describe("ingestion in the built bundle, a real day", () => {
  it("replays SFO's and LAX's 2001-06-15 into values equal to the offline file's, and predictions equal Node's", async () => {
    expect(events.length).toBeGreaterThan(1000);
    for (let i = 0; i < events.length; i += 500) {
      const res = await api().post(
        "/ingest/flights/events",
        { events: events.slice(i, i + 500).map((e) => e.body) },
        { authorization: `Bearer ${KEY}` },
      );
      expect(res.status, res.text).toBe(202);
    }
    // A replayed batch changes nothing.
    const again = await api().post(
      "/ingest/flights/events",
      { events: events.slice(0, 300).map((e) => e.body) },
      { authorization: `Bearer ${KEY}` },
    );
    expect(again.json).toMatchObject({ applied: 0, duplicates: 300 });
    await settled(WANTED);

    const kv = await mf.getKVNamespace("CONTEXT");
    for (const key of WANTED) {
      const offline = entries.find((e) => e.key === key)!.value;
      const live = await kv.get(key);
      expect(live, key).not.toBeNull();
      expect(strip(live!), key).toEqual(strip(offline));
    }

    await cpuBackend();
    const manifest = JSON.parse(readFileSync("model/artifacts/flights/1/manifest.json", "utf8"));
    const params = FlightsParamsSchema.parse(manifest.preprocess.params);
    const model = await loadModel("model/artifacts/flights/1");
    const lookup = lookupFromEntries(entries);
    const row = { origin: "SFO", destination: "LAX", departure: "2001-06-15T19:00", distance: 337 };
    for (const asOf of ["2001-06-15T06:15", "2001-06-15T11:40", "2001-06-15T16:00", "2001-06-15T19:00"]) {
      const node = buildFeatures(parseFlight(row), lookup, params, parseAsOf(asOf, "as_of"));
      const [p] = predict(model, {
        rows: 1,
        cols: node.features.length,
        x: Float32Array.from(node.features),
        y: new Uint8Array(1),
      });
      const res = await api().post("/v1/models/flights:predict", { instances: [row], as_of: asOf });
      expect(res.status, res.text).toBe(200);
      const worker = res.json.predictions[0];
      const counts = (c: Record<string, unknown>) => {
        const { updated_at: _, lag_minutes: __, ...rest } = c;
        return rest;
      };
      expect(counts(worker.context.origin_live), asOf).toEqual(counts(node.context.origin_live as never));
      expect(counts(worker.context.destination_live), asOf).toEqual(counts(node.context.destination_live as never));
      expect(Math.abs(worker.delay_probability - p!), asOf).toBeLessThanOrEqual(1e-6);
    }
    model.dispose();
  });

  it("the same events through the declared flights stream (model/flights/stream.json) give the plug-in's counts", async () => {
    const registry = await mf.getKVNamespace("REGISTRY");
    await registry.put("stream:flights", readFileSync("model/flights/stream.json", "utf8"));
    const zone = (code: string) =>
      AirportValueSchema.parse(JSON.parse(entries.find((e) => e.key === `ap:${code}`)!.value));
    // Through the flights feed's own validation (1,000 events a request), then the feed translation.
    const stream: FlightStreamEvent[] = [];
    for (let i = 0; i < events.length; i += 1000)
      for (const e of parseEvents({ events: events.slice(i, i + 1000).map((x) => x.body) }))
        stream.push(flightStreamEvent(e, zone(e.flight.origin), zone(e.flight.destination)));
    const posted = Date.now();
    for (let i = 0; i < stream.length; i += 500) {
      const res = await api().post(
        "/v2/streams/flights/events",
        { events: stream.slice(i, i + 500) },
        { authorization: `Bearer ${STREAM_KEY}` },
      );
      expect(res.status, res.text).toBe(202);
      expect(res.json.late, res.text).toBe(0);
    }
    // Wait for each day's value to hold all its arrivals (the objects' alarms write within a
    // second of their last batch; under load they queue).
    const kv = await mf.getKVNamespace("CONTEXT");
    const wanted = ["SFO", "LAX"].flatMap((code) => [
      {
        key: `s:flights:dep:${code}:2001-06-15`,
        agg: "departures",
        n: stream.filter((e) => e.type === "arrived" && e.origin === code && e.dep_day === "2001-06-15").length,
      },
      {
        key: `s:flights:arr:${code}:2001-06-15`,
        agg: "arrivals",
        n: stream.filter((e) => e.type === "arrived" && e.destination === code && e.arr_day === "2001-06-15").length,
      },
    ]);
    const deadline = Date.now() + 120_000;
    const t0 = Date.now();
    for (const w of wanted) {
      expect(w.n, w.key).toBeGreaterThan(100);
      for (;;) {
        const v = (await kv.get(w.key, "json")) as EntityValue | null;
        const n = v?.aggs[w.agg]?.b.reduce((sum, b) => sum + b[1], 0) ?? 0;
        if (n === w.n) break;
        if (n > w.n) throw new Error(`${w.key}: ${n} arrivals written, ${w.n} sent`);
        expect(Date.now(), `${w.key}: ${n} of ${w.n} arrivals written`).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    console.log(
      `declared flights stream: ${stream.length} events posted in ${t0 - posted} ms, values written ${Date.now() - t0} ms after the last 202`,
    );
    for (const code of ["SFO", "LAX"]) {
      const offline = LiveValueSchema.parse(
        JSON.parse(entries.find((e) => e.key === `cong:${code}:2001-06-15`)!.value),
      );
      const midnight = Date.UTC(2001, 5, 15) - utcOffsetOn(zone(code), { year: 2001, month: 6, day: 15 }) * 3_600_000;
      const dep = (await kv.get(`s:flights:dep:${code}:2001-06-15`, "json")) as EntityValue;
      const arr = (await kv.get(`s:flights:arr:${code}:2001-06-15`, "json")) as EntityValue;
      expect(dep, code).not.toBeNull();
      expect(arr, code).not.toBeNull();
      const read = (v: EntityValue, agg: string, w: string, asOf: number) =>
        readWindow(v.aggs[agg]!, asOf, durationMs(w)!).value;
      // The day's quarter hours from 03:00 (before, a fact known before midnight may differ: docs/streams.md).
      for (let m = 180; m < 1440; m += 15) {
        const live = liveAt(offline, m, 180, Math.floor(m / 60));
        const asOf = midnight + m * 60_000;
        const at = `${code} +${m} min`;
        expect(read(dep, "departures", "3h", asOf), at).toBe(live.departures_recent.flights);
        expect(read(dep, "late_departures", "3h", asOf), at).toBe(live.departures_recent.late);
        expect(read(dep, "departures", "2d", asOf), at).toBe(live.departures_today.flights);
        expect(read(dep, "late_departures", "2d", asOf), at).toBe(live.departures_today.late);
        expect(read(arr, "arrivals", "3h", asOf), at).toBe(live.arrivals_recent.flights);
        expect(read(arr, "late_arrivals", "3h", asOf), at).toBe(live.arrivals_recent.late);
      }
    }
  }, 300_000);
});
