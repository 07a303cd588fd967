/**
 * Flights' live context in the declared form (model/flights/stream.json, docs/streams.md) equals
 * what the flights plug-in serves today, on the committed June file.
 *
 * The same events, every flight from 2001-05-30 on as `npm run replay` sends it (scheduled, then
 * arrived at its estimated landing), go two ways:
 * - the plug-in's: its event validation (events.ts), its airport-day updates and merge per flight,
 *   and its aggregation (live.ts), as the AirportDay object applies them; the values must equal the
 *   committed model/artifacts/flights/context.json (the "today's values"), all 6,590 cong: keys;
 * - the declared stream's: the plug-in's feed translation (stream.ts) to flat stream events, the
 *   stream's own validation and split by entity (core/streams/events.ts), an entity per key with
 *   the StreamEntity object's rules (idempotent ids, lateness, buckets by core/streams/buckets.ts),
 *   and the KV value it renders (core/streams/entity.ts), read by the as-of window reader.
 * Then at 96 quarter hours and 24 random instants of each airport-day, every value the declared
 * form expresses is compared with liveAt() on the committed value. The one family of differences
 * allowed is the one docs/streams.md names: flights counts a fact known before the airport's
 * local midnight from bin 0 (midnight), the declared window from its own time, so a recent window
 * in the day's first `window` may differ; each difference is checked to be exactly that case.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { departureOf, loadFlights } from "../../model/flights/data.ts";
import { readEntries } from "../../scripts/local-context.ts";
import type { Scalar } from "../../src/core/context/spec.ts";
import { addToBucket, type Bucket, bucketFor, type EntityValue, keepFrom } from "../../src/core/streams/buckets.ts";
import { entityConfigs, renderValue } from "../../src/core/streams/entity.ts";
import { parseStreamEvents } from "../../src/core/streams/events.ts";
import { durationMs, type Stream, StreamSchema } from "../../src/core/streams/spec.ts";
import { readWindow } from "../../src/core/streams/window.ts";
import { eventUpdates, type FlightEvent, mergeFact, parseEvents } from "../../src/pipelines/flights/events.ts";
import {
  type AirportValue,
  AirportValueSchema,
  aggregate,
  estimatedKnownAt,
  flightStreamEvent,
  type LiveFact,
  type LiveValue,
  LiveValueSchema,
  liveAt,
  utcOffsetOn,
} from "../../src/pipelines/flights/index.ts";

const MIN = 60_000;
const WINDOW_MIN = 180; // the published model's window_hours (model/artifacts/flights/1/manifest.json)
const stream: Stream = StreamSchema.parse(JSON.parse(readFileSync("model/flights/stream.json", "utf8")));
const entries = readEntries();
const zones = new Map<string, AirportValue>();
const committed = new Map<string, LiveValue>();
for (const e of entries) {
  const v = JSON.parse(e.value);
  if (e.key.startsWith("ap:")) zones.set(e.key.slice(3), AirportValueSchema.parse(v));
  if (e.key.startsWith("cong:")) committed.set(e.key, LiveValueSchema.parse(v));
}

/** The entity objects, in memory, with the StreamEntity object's rules (src/adapters/durable-objects/stream-entity.ts). */
class Entities {
  readonly configs = entityConfigs(stream);
  readonly objects = new Map<
    string,
    {
      entity: string;
      watermark: number;
      ids: Set<string>;
      buckets: Map<string, Map<number, Bucket>>;
      from: Record<string, number>;
    }
  >();
  late = 0;
  duplicates = 0;

  apply(body: unknown): void {
    for (const [key, { entity, updates }] of parseStreamEvents(stream, body).byKey) {
      const config = this.configs.get(entity)!;
      const o = this.objects.get(key) ?? {
        entity,
        watermark: Number.NEGATIVE_INFINITY,
        ids: new Set(),
        buckets: new Map(),
        from: {} as Record<string, number>,
      };
      this.objects.set(key, o);
      const refuseBefore = o.watermark - config.lateness_ms;
      for (const u of updates) {
        if (u.time < refuseBefore) this.late++;
        else if (o.ids.has(u.id)) this.duplicates++;
        else {
          o.ids.add(u.id);
          for (const [agg, value] of Object.entries(u.aggs)) {
            const c = config.aggs[agg]!;
            const start = bucketFor(u.time, c.bucket_ms, c.align);
            const b = o.buckets.get(agg) ?? new Map<number, Bucket>();
            o.buckets.set(agg, b);
            b.set(start, addToBucket(c.fn, b.get(start), start, { id: u.id, time: u.time, value }));
          }
        }
      }
      o.watermark = Math.max(o.watermark, ...updates.map((u) => u.time));
      // Compaction as the object does it: buckets older than the longest window + lateness go.
      for (const [agg, c] of Object.entries(config.aggs)) {
        const keep = keepFrom(o.watermark, c.retention_ms, c.bucket_ms);
        const b = o.buckets.get(agg);
        for (const start of [...(b?.keys() ?? [])])
          if (start < keep) {
            b!.delete(start);
            o.from[agg] = Math.max(o.from[agg] ?? 0, keep);
          }
      }
    }
  }

  value(key: string): EntityValue | undefined {
    const o = this.objects.get(key);
    if (!o) return undefined;
    const buckets = new Map([...o.buckets].map(([agg, m]) => [agg, [...m.values()]]));
    return renderValue(this.configs.get(o.entity)!, o.watermark, o.from, buckets);
  }
}

/** Every June flight's events, as scripts/replay-events.ts makes them for one day, for the month. */
async function juneEvents(): Promise<Array<Record<string, unknown>>> {
  const f = await loadFlights(1);
  const out: Array<{ at: number; body: Record<string, unknown> }> = [];
  // June's values also hold flights of May 30-31 arriving on June 1 (model/flights/features.ts
  // builds them from every row and keeps June's keys).
  const from = Date.parse("2001-05-30T00:00Z") / MIN;
  for (let i = 0; i < f.n; i++) {
    if (f.minute[i]! < from) continue;
    const origin = zones.get(f.origin[i]!)!;
    const departure = departureOf(f, i);
    const flight = {
      id: `2001-row-${i}`,
      origin: f.origin[i]!,
      destination: f.destination[i]!,
      departure,
      distance: f.distance[i]!,
    };
    // The schedule is known the local day before at noon UTC: before every as_of of both days.
    const scheduledAt = Date.parse(`${departure.slice(0, 10)}T00:00:00Z`) - 12 * 3_600_000;
    out.push({
      at: scheduledAt,
      body: { id: `${flight.id}:scheduled`, type: "scheduled", time: new Date(scheduledAt).toISOString(), flight },
    });
    const at = estimatedKnownAt({ departure: f.minute[i]!, distance: f.distance[i]! }, origin, f.delay[i]!) * MIN;
    out.push({
      at,
      body: {
        id: `${flight.id}:arrived`,
        type: "arrived",
        time: new Date(at).toISOString(),
        delay: f.delay[i]!,
        flight,
      },
    });
  }
  return out.sort((a, b) => a.at - b.at).map((e) => e.body);
}

let events: FlightEvent[];
const plugin = new Map<string, Map<string, LiveFact>>();
const declared = new Entities();

beforeAll(async () => {
  const bodies = await juneEvents();
  events = [];
  for (let i = 0; i < bodies.length; i += 1000) events.push(...parseEvents({ events: bodies.slice(i, i + 1000) }));
  for (const e of events) {
    const origin = zones.get(e.flight.origin)!;
    const destination = zones.get(e.flight.destination)!;
    for (const u of eventUpdates(e, origin, destination)) {
      const facts = plugin.get(u.key) ?? new Map<string, LiveFact>();
      plugin.set(u.key, facts);
      facts.set(u.factId, mergeFact(facts.get(u.factId), u.fact));
    }
  }
  const stream = events.map((e) => flightStreamEvent(e, zones.get(e.flight.origin)!, zones.get(e.flight.destination)!));
  for (let i = 0; i < stream.length; i += 1000) declared.apply({ events: stream.slice(i, i + 1000) });
}, 300_000);

const strip = ({ updated_at: _, ...rest }: LiveValue) => rest;

describe("flights' live context, the plug-in's and the declared stream's", () => {
  it("the plug-in's path reproduces every cong: value of the committed June file from the events", () => {
    expect(committed.size).toBeGreaterThan(6000);
    for (const [key, want] of committed) {
      const facts = plugin.get(key);
      expect(facts, key).toBeDefined();
      expect(strip(aggregate(facts!.values(), want.updated_at)), key).toEqual(strip(want));
    }
    // Keys beyond the file are the days outside June (the file holds June's only).
    for (const key of plugin.keys()) if (!committed.has(key)) expect(key, key).not.toMatch(/:2001-06-\d\d$/);
  });

  it("the declared stream took every event once: none late, none duplicate", () => {
    expect(events.length).toBeGreaterThan(900_000);
    expect(declared.late).toBe(0);
    expect(declared.duplicates).toBe(0);
  });

  it("every value the declared form expresses equals liveAt() on the committed value, at 120 as_of per airport-day", () => {
    const W = durationMs("3h")!;
    const DAY = durationMs("2d")!;
    // The schedule is known from noon UTC the day before the departure: a red-eye's arrival day is
    // two days later, so its window is 3d.
    const SCHEDULE = durationMs("3d")!;
    let seed = 21;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let compared = 0;
    const differences: string[] = [];
    const unexplained: string[] = [];
    const incomplete = new Set<string>();
    for (const [key, v] of committed) {
      const [, code, date] = key.split(":") as [string, string, string];
      const [y, m, d] = date.split("-").map(Number) as [number, number, number];
      const midnight = Date.UTC(y, m - 1, d) - utcOffsetOn(zones.get(code)!, { year: y, month: m, day: d }) * 3_600_000;
      const hours = new Map<string, EntityValue | undefined>();
      const hourly = (key: string) => {
        if (!hours.has(key)) hours.set(key, declared.value(key));
        return hours.get(key);
      };
      const dep = declared.value(`s:flights:dep:${code}:${date}`);
      const arr = declared.value(`s:flights:arr:${code}:${date}`);
      const read = (value: EntityValue | undefined, agg: string, windowMs: number, asOf: number): Scalar => {
        if (!value) return 0;
        const r = readWindow(value.aggs[agg]!, asOf, windowMs);
        if (!r.complete) incomplete.add(`${key} ${agg}`);
        return r.value ?? 0;
      };
      // Facts known before this local midnight: flights counts them from bin 0 (the one allowed difference).
      const early = { dep: false, arr: false };
      for (const [kind, value] of [
        ["dep", dep],
        ["arr", arr],
      ] as const)
        for (const b of value?.aggs[kind === "dep" ? "departures" : "arrivals"]?.b ?? [])
          if (b[0] < midnight - 15 * MIN) early[kind] = true;
      const minutes = [
        ...Array.from({ length: 96 }, (_, k) => 15 * k),
        ...Array.from({ length: 24 }, () => random() * 1440),
      ];
      for (const asOfMin of minutes) {
        const asOf = midnight + asOfMin * MIN;
        const hour = Math.floor(asOfMin / 60);
        const live = liveAt(v, asOfMin, WINDOW_MIN, hour);
        const pairs: Array<[string, number, Scalar, "dep" | "arr" | undefined]> = [
          ["departures_recent.flights", live.departures_recent.flights, read(dep, "departures", W, asOf), "dep"],
          ["departures_recent.late", live.departures_recent.late, read(dep, "late_departures", W, asOf), "dep"],
          ["departures_today.flights", live.departures_today.flights, read(dep, "departures", DAY, asOf), undefined],
          ["departures_today.late", live.departures_today.late, read(dep, "late_departures", DAY, asOf), undefined],
          ["arrivals_recent.flights", live.arrivals_recent.flights, read(arr, "arrivals", W, asOf), "arr"],
          ["arrivals_recent.late", live.arrivals_recent.late, read(arr, "late_arrivals", W, asOf), "arr"],
          [
            "cancelled_today",
            live.cancelled_today,
            Number(read(dep, "departure_cancellations", DAY, asOf)) +
              Number(read(arr, "arrival_cancellations", DAY, asOf)),
            undefined,
          ],
          [
            "scheduled.departures",
            live.scheduled.departures,
            read(hourly(`s:flights:dep:${code}:${date}:${hour}`), "scheduled_departures", SCHEDULE, asOf),
            undefined,
          ],
          [
            "scheduled.arrivals",
            live.scheduled.arrivals,
            read(hourly(`s:flights:arr:${code}:${date}:${hour}`), "scheduled_arrivals", SCHEDULE, asOf),
            undefined,
          ],
        ];
        for (const [name, want, got, recent] of pairs) {
          compared++;
          if (got === want) continue;
          const what = `${key} ${name} at +${asOfMin.toFixed(2)} min: plug-in ${want}, declared ${got}`;
          differences.push(what);
          if (!(recent && early[recent] && asOfMin < WINDOW_MIN)) unexplained.push(what);
        }
      }
    }
    const days = new Set(differences.map((d) => d.split(" ")[0])).size;
    console.log(
      `flights: ${events.length} events, ${compared} values compared, ${differences.length} differ (${days} airport-days)`,
    );
    expect(compared).toBeGreaterThan(6_000 * 120 * 9);
    expect([...incomplete]).toEqual([]);
    expect(unexplained).toEqual([]);
  });
});
