/**
 * The live context's ingestion path inside workerd (Miniflare's real KV and Durable Objects): a
 * day of flight events replayed in event-time order into POST /ingest/flights/events must leave
 * in KV what the offline path computes from the same flights (src/pipelines/flights facts +
 * aggregate, which test/unit/flights-as-of.test.ts holds equal to the offline builder), so the
 * Worker's context at several as_of equals the offline one count for count; a replayed duplicate
 * changes nothing; the objects restarting mid-replay lose and double-count nothing.
 */
import { abortAllDurableObjects, env, listDurableObjectIds, runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  aggregate,
  estimatedKnownAt,
  type Flight,
  flightFacts,
  type LiveFact,
  parseAsOf,
  parseFlight,
  rawFeatures,
} from "../../src/pipelines/flights/index.ts";
import { appWith } from "../support/app-with.ts";

const KEY = "ingest-test-key-0123456789";
const api = appWith({ INGEST_KEYS: KEY, API_KEYS: "" });
const auth = { authorization: `Bearer ${KEY}` };
const INGEST = "/ingest/flights/events";
const MIN = 60_000;

const AIRPORTS: Record<string, { utc_offset: number; dst: boolean; lat: number; lon: number }> = {
  SFO: { utc_offset: -8, dst: true, lat: 37.62, lon: -122.37 },
  ORD: { utc_offset: -6, dst: true, lat: 41.98, lon: -87.9 },
  JFK: { utc_offset: -5, dst: true, lat: 40.64, lon: -73.78 },
  PHX: { utc_offset: -7, dst: false, lat: 33.43, lon: -112.01 },
};
const DISTANCE: Record<string, number> = {
  "JFK-ORD": 740,
  "JFK-PHX": 2153,
  "JFK-SFO": 2586,
  "ORD-PHX": 1440,
  "ORD-SFO": 1846,
  "PHX-SFO": 651,
};
const distance = (a: string, b: string) => DISTANCE[[a, b].sort().join("-")]!;

interface Raw {
  id: string;
  origin: string;
  destination: string;
  departure: string;
  delay?: number;
  cancelledAt?: number;
}

// A seeded day: flights departing the 14th (evening) and the 15th, some cancelled.
let seed = 7;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const codes = Object.keys(AIRPORTS);
const two = (n: number) => String(n).padStart(2, "0");
const FLIGHTS: Raw[] = Array.from({ length: 160 }, (_, i) => {
  const origin = codes[Math.floor(random() * 4)]!;
  const destination = codes.filter((c) => c !== origin)[Math.floor(random() * 3)]!;
  const day = random() < 0.15 ? 14 : 15;
  const minute = day === 14 ? 1080 + Math.floor(random() * 359) : Math.floor(random() * 1440);
  const f: Raw = {
    id: `F${i}`,
    origin,
    destination,
    departure: `2001-06-${day}T${two(Math.floor(minute / 60))}:${two(minute % 60)}`,
  };
  if (random() < 0.05) f.cancelledAt = Date.parse(`${f.departure}Z`) + 5 * 3_600_000 - Math.floor(random() * 400) * MIN;
  else f.delay = Math.floor(random() * 90) - 15;
  return f;
});

const flightOf = (f: Raw): Flight => ({
  origin: f.origin,
  destination: f.destination,
  departure: Date.parse(`${f.departure}Z`) / MIN,
  distance: distance(f.origin, f.destination),
});
/** When the offline path counts the arrival as known (UTC ms). */
const knownAt = (f: Raw) => estimatedKnownAt(flightOf(f), AIRPORTS[f.origin]!, f.delay!) * MIN;

const iso = (ms: number) => new Date(ms).toISOString();
const SCHEDULED_AT = Date.parse("2001-06-14T12:00:00Z");

/** The day as events, in event-time order. */
const EVENTS = FLIGHTS.flatMap((f) => {
  const flight = {
    id: f.id,
    origin: f.origin,
    destination: f.destination,
    departure: f.departure,
    distance: distance(f.origin, f.destination),
  };
  const out: Array<Record<string, unknown> & { at: number }> = [
    { id: `${f.id}:s`, type: "scheduled", time: iso(SCHEDULED_AT), at: SCHEDULED_AT, flight },
  ];
  if (f.cancelledAt !== undefined)
    out.push({ id: `${f.id}:c`, type: "cancelled", time: iso(f.cancelledAt), at: f.cancelledAt, flight });
  else out.push({ id: `${f.id}:a`, type: "arrived", time: iso(knownAt(f)), at: knownAt(f), delay: f.delay, flight });
  return out;
}).sort((a, b) => a.at - b.at || String(a.id).localeCompare(String(b.id)));

/** The offline values of the day, from the same flights (keys -> value without updated_at). */
function offlineValues(): Map<string, unknown> {
  const facts = new Map<string, LiveFact[]>();
  for (const f of FLIGHTS) {
    const flight = flightOf(f);
    if (f.cancelledAt !== undefined) flight.cancelled = { at: f.cancelledAt / MIN };
    else flight.arrived = { at: knownAt(f) / MIN, delay: f.delay! };
    for (const { key, fact } of flightFacts(flight, AIRPORTS[f.origin]!, AIRPORTS[f.destination]!))
      facts.set(key, [...(facts.get(key) ?? []), fact]);
  }
  const out = new Map<string, unknown>();
  for (const [key, list] of facts) {
    const { updated_at: _, ...counts } = aggregate(list, "2001-07-01T00:00:00Z");
    out.set(key, counts);
  }
  return out;
}

async function flushAlarms() {
  for (const id of await listDurableObjectIds(env.AIRPORT_DAY)) await runDurableObjectAlarm(env.AIRPORT_DAY.get(id));
}

async function send(events: Array<Record<string, unknown>>) {
  const res = await api.post(INGEST, { events: events.map(({ at: _, ...e }) => e) }, auth);
  expect(res.status, res.text).toBe(202);
  return res.json as { events: number; applied: number; duplicates: number; airport_days: number };
}

/** The live context the Worker reports for an SFO -> JFK flight asked at `asOf` (SFO local). */
async function workerContext(asOf: string) {
  const departure = new Date(Date.parse(`${asOf}Z`) + 90 * MIN).toISOString().slice(0, 16);
  const res = await api.post("/v1/models/flights:predict", {
    instances: [{ origin: "SFO", destination: "JFK", departure, distance: 2586 }],
    as_of: asOf,
  });
  expect(res.status, res.text).toBe(200);
  return res.json.predictions[0].context;
}

/** The same from the offline values, through the shared feature code (window as in the manifest: 3 h). */
function offlineContext(asOf: string) {
  const departure = new Date(Date.parse(`${asOf}Z`) + 90 * MIN).toISOString().slice(0, 16);
  const values = offlineValues();
  const lookup = (key: string) => {
    if (key.startsWith("ap:")) return { ...AIRPORTS[key.slice(3)], late_rate: 0.2, flights: 1000 };
    const v = values.get(key);
    return v === undefined ? undefined : { ...(v as object), updated_at: "2001-07-01T00:00:00Z" };
  };
  const params = { window_hours: 3, recent_prior_strength: 5, defaults: { late_rate: 0.2, lat: 39, lon: -98 } };
  return rawFeatures(
    parseFlight({ origin: "SFO", destination: "JFK", departure, distance: 2586 }),
    lookup,
    params,
    parseAsOf(asOf, "as_of"),
  ).context;
}

const live = (c: { origin_live: unknown; destination_live: unknown }) => {
  const strip = ({ updated_at: _, lag_minutes: __, ...rest }: Record<string, unknown>) => rest;
  return {
    origin: strip(c.origin_live as Record<string, unknown>),
    destination: strip(c.destination_live as Record<string, unknown>),
  };
};

beforeAll(async () => {
  await Promise.all(
    Object.entries(AIRPORTS).map(([code, ap]) =>
      env.CONTEXT.put(`ap:${code}`, JSON.stringify({ ...ap, late_rate: 0.2, flights: 1000 })),
    ),
  );
});

describe("ingestion of flight events", () => {
  it("refuses a missing or wrong key, a prediction key, and is closed without INGEST_KEYS", async () => {
    const body = { events: EVENTS.slice(0, 1) };
    expect((await api.post(INGEST, body)).status).toBe(401);
    expect((await api.post(INGEST, body, { authorization: "Bearer nope" })).status).toBe(401);
    const keyed = appWith({ INGEST_KEYS: KEY, API_KEYS: "predict-key" });
    expect((await keyed.post(INGEST, body, { authorization: "Bearer predict-key" })).status).toBe(401);
    const closed = await appWith({ INGEST_KEYS: "" }).post(INGEST, body, auth);
    expect(closed.status).toBe(403);
    expect(closed.json.error).toMatch(/INGEST_KEYS/);
  });

  it("answers an unknown feed with a 404 naming the feeds there are, and a prototype key is no feed", async () => {
    for (const feed of ["quakes", "constructor", "__proto__"]) {
      const res = await api.post(`/ingest/${feed}/events`, { events: [] }, auth);
      expect([res.status, res.json.error]).toEqual([
        404,
        `no event feed '${feed}': feeds are 'flights' (declared streams: POST /v2/streams/{stream}/events)`,
      ]);
    }
  });

  it("counts a failed ingest key against the client address, as a failed API key is: 429 over the limit", async () => {
    const asked: string[] = [];
    const over = { limit: async ({ key }: { key: string }) => (asked.push(key), { success: false }) };
    const limited = appWith({ INGEST_KEYS: KEY, API_KEYS: "", RATE_LIMITER: over });
    const res = await limited.call(
      "POST",
      INGEST,
      { events: EVENTS.slice(0, 1) },
      { authorization: "Bearer guess", "cf-connecting-ip": "198.51.100.9" },
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(asked).toEqual(["ip:198.51.100.9"]);
  });

  it.each([
    [{ events: [] }, /^events: expected 1 to 1000 events, got 0/],
    [
      { events: [{ id: "x", type: "landed" }] },
      /^events\[0\]\.type: expected one of scheduled, departed, arrived, cancelled, got the string "landed"/,
    ],
    [
      {
        events: [
          {
            id: "x",
            type: "arrived",
            time: "2001-06-15T10:00:00Z",
            flight: { id: "F", origin: "SFO", destination: "JFK", departure: "2001-06-15T08:00", distance: 2586 },
          },
        ],
      },
      /^events\[0\]\.delay: expected the arrival delay in minutes/,
    ],
    [
      {
        events: [
          {
            id: "x",
            type: "scheduled",
            time: "2001-06-15T10:00:00Z",
            flight: { id: "F", origin: "SFO", destination: "XYZ", departure: "2001-06-15T08:00", distance: 500 },
          },
        ],
      },
      /^events\[0\]\.flight\.destination: no time zone known for airport "XYZ"/,
    ],
  ])("answers bad events with a 400 naming the field (%#)", async (body, message) => {
    const res = await api.post(INGEST, body, auth);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(message);
  });

  it("replays a day: at each as_of the Worker's context equals the offline one; duplicates and restarts change nothing", async () => {
    // SFO local checkpoints: after replaying every event up to the checkpoint, the Worker asked at
    // that time must see exactly what the complete offline values show at that time.
    const checkpoints = ["2001-06-15T06:00", "2001-06-15T10:30", "2001-06-15T15:15", "2001-06-15T21:45"];
    const utc = (local: string) => Date.parse(`${local}Z`) + 7 * 3_600_000; // PDT
    let next = 0;
    let batches = 0;
    const seen: number[] = [];
    for (const checkpoint of checkpoints) {
      const until = utc(checkpoint);
      const due = [];
      while (next < EVENTS.length && EVENTS[next]!.at <= until) due.push(EVENTS[next++]!);
      for (let i = 0; i < due.length; i += 40) {
        const batch = due.slice(i, i + 40);
        const first = await send(batch);
        expect(first.applied).toBe(batch.length);
        if (batches++ % 3 === 1) {
          // A retried batch: every event already seen.
          const again = await send(batch);
          expect(again).toMatchObject({ applied: 0, duplicates: batch.length });
        }
        if (batches % 4 === 2) await abortAllDurableObjects(); // the objects restart mid-replay
      }
      await flushAlarms();
      const offline = offlineContext(checkpoint);
      expect(live(await workerContext(checkpoint)), checkpoint).toEqual(live(offline));
      seen.push(offline.origin_live.departures_today.flights + offline.destination_live.arrivals_recent.flights);
    }
    // The day unfolds: later checkpoints know more (so the comparisons above were not of empty values).
    expect(seen.at(-1)).toBeGreaterThan(seen[0]! + 10);
    // The rest of the day, then every airport-day value equals the offline one, count for count.
    for (let i = next; i < EVENTS.length; i += 40) await send(EVENTS.slice(i, i + 40));
    await send(EVENTS.slice(0, 25)); // a late replay of old events
    await abortAllDurableObjects();
    await flushAlarms();
    const offline = offlineValues();
    expect(offline.size).toBeGreaterThan(8);
    for (const [key, counts] of offline) {
      const stored = (await env.CONTEXT.get(key, "json")) as Record<string, unknown> | null;
      expect(stored, key).not.toBeNull();
      const { updated_at, ...rest } = stored!;
      expect(rest, key).toEqual(counts);
      expect(typeof updated_at).toBe("string");
    }
  });
});
