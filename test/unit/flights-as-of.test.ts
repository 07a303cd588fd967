/**
 * Point-in-time correctness of the flights live context: no feature sees an outcome settled after
 * `as_of`. Flights are raw events here; the expected counts are computed in this file from those
 * events with their own arithmetic (UTC instants, quarter-hour rule), not with the code under test,
 * and compared with what rawFeatures reports from the aggregated KV values.
 */
import { describe, expect, it } from "vitest";
import { buildCongestion } from "../../model/flights/context.ts";
import { ServeError } from "../../src/core/errors.ts";
import {
  type AsOf,
  aggregate,
  type ContextLookup,
  type Flight,
  flightFacts,
  type LiveFact,
  type LiveUsed,
  parseAsOf,
  parseFlight,
  rawFeatures,
} from "../../src/pipelines/flights/index.ts";

// June 2001: every airport here with dst observes daylight saving time.
const AIRPORTS: Record<string, { utc_offset: number; dst: boolean; lat: number; lon: number }> = {
  SFO: { utc_offset: -8, dst: true, lat: 37.6, lon: -122.4 },
  JFK: { utc_offset: -5, dst: true, lat: 40.6, lon: -73.8 },
  ORD: { utc_offset: -6, dst: true, lat: 41.9, lon: -87.9 },
  PHX: { utc_offset: -7, dst: false, lat: 33.4, lon: -112 },
};
const junOffset = (code: string) => AIRPORTS[code]!.utc_offset + (AIRPORTS[code]!.dst ? 1 : 0);
const PARAMS = { window_hours: 3, recent_prior_strength: 5, defaults: { late_rate: 0.2, lat: 39, lon: -98 } };
const MIN = 60_000;
const QUARTER = 15 * MIN;

/** A raw flight: local scheduled departure at the origin, its arrival delay or its cancellation instant. */
interface Raw {
  origin: string;
  destination: string;
  departure: string;
  distance: number;
  delay?: number;
  cancelledAt?: string;
}

// ---- the independent reference ----
const utcOfLocal = (local: string, code: string) => Date.parse(`${local}Z`) - junOffset(code) * 3_600_000;
const landingUtc = (f: Raw) =>
  utcOfLocal(f.departure, f.origin) + (35 + 0.125 * f.distance + 15 + (f.delay ?? 0)) * MIN;
const arrivalLocalDate = (f: Raw) =>
  new Date(
    Date.parse(`${f.departure}Z`) +
      (35 + 0.125 * f.distance + (junOffset(f.destination) - junOffset(f.origin)) * 60) * MIN,
  )
    .toISOString()
    .slice(0, 16);
const ceilQuarter = (ms: number) => Math.ceil(ms / QUARTER) * QUARTER;

interface Expected {
  departures_recent: { flights: number; late: number };
  departures_today: { flights: number; late: number };
  arrivals_recent: { flights: number; late: number };
  cancelled_today: number;
  scheduled: { departures: number; arrivals: number };
}

/** What airport `code` knows at `asOf` (UTC ms) about its local day `date`, by brute force over the raw flights. */
function expectedAt(flights: Raw[], code: string, date: string, asOf: number, hour: number): Expected {
  const midnight = utcOfLocal(`${date}T00:00`, code);
  const end = midnight + 1440 * MIN;
  const known = (t: number) => {
    const at = Math.max(midnight, ceilQuarter(t));
    return at <= asOf && at < end ? at : undefined;
  };
  const e: Expected = {
    departures_recent: { flights: 0, late: 0 },
    departures_today: { flights: 0, late: 0 },
    arrivals_recent: { flights: 0, late: 0 },
    cancelled_today: 0,
    scheduled: { departures: 0, arrivals: 0 },
  };
  for (const f of flights) {
    const sides: Array<["dep" | "arr", string]> = [];
    if (f.origin === code && f.departure.startsWith(date)) sides.push(["dep", f.departure]);
    if (f.destination === code && arrivalLocalDate(f).startsWith(date)) sides.push(["arr", arrivalLocalDate(f)]);
    for (const [side, local] of sides) {
      if (Number(local.slice(11, 13)) === hour) e.scheduled[side === "dep" ? "departures" : "arrivals"]++;
      if (f.cancelledAt !== undefined) {
        if (known(Date.parse(f.cancelledAt)) !== undefined) e.cancelled_today++;
        continue;
      }
      if (f.delay === undefined) continue;
      const at = known(landingUtc(f));
      if (at === undefined) continue;
      const late = f.delay > 15 ? 1 : 0;
      const recent = at > asOf - 180 * MIN;
      if (side === "dep") {
        e.departures_today.flights++;
        e.departures_today.late += late;
        if (recent) e.departures_recent.flights++, (e.departures_recent.late += late);
      } else if (recent) e.arrivals_recent.flights++, (e.arrivals_recent.late += late);
    }
  }
  return e;
}

// ---- the code under test: facts -> KV values -> features ----
function toFlight(f: Raw): Flight {
  const out: Flight = {
    origin: f.origin,
    destination: f.destination,
    departure: Date.parse(`${f.departure}Z`) / MIN,
    distance: f.distance,
  };
  if (f.cancelledAt !== undefined) out.cancelled = { at: Date.parse(f.cancelledAt) / MIN };
  if (f.delay !== undefined) out.arrived = { at: landingUtc(f) / MIN, delay: f.delay };
  return out;
}

const built = new WeakMap<Raw[], ContextLookup>();
function contextOf(flights: Raw[]): ContextLookup {
  const memo = built.get(flights);
  if (memo) return memo;
  const facts = new Map<string, LiveFact[]>();
  for (const f of flights)
    for (const { key, fact } of flightFacts(toFlight(f), AIRPORTS[f.origin]!, AIRPORTS[f.destination]!))
      facts.set(key, [...(facts.get(key) ?? []), fact]);
  const values = new Map<string, unknown>();
  for (const [key, list] of facts) values.set(key, JSON.stringify(aggregate(list, "2001-07-01T00:00:00Z")));
  for (const [code, ap] of Object.entries(AIRPORTS)) values.set(`ap:${code}`, { ...ap, late_rate: 0.2, flights: 1000 });
  const lookup: ContextLookup = (key) => values.get(key);
  built.set(flights, lookup);
  return lookup;
}

interface Query {
  origin: string;
  destination: string;
  departure: string;
  distance: number;
}

function featuresAt(ctx: ContextLookup, q: Query, asOf: string | undefined) {
  return rawFeatures(parseFlight(q), ctx, PARAMS, parseAsOf(asOf, "as_of") as AsOf | undefined, "instance");
}

const counts = (l: LiveUsed) => ({
  departures_recent: l.departures_recent,
  departures_today: l.departures_today,
  arrivals_recent: l.arrivals_recent,
  cancelled_today: l.cancelled_today,
  scheduled: { departures: l.scheduled.departures, arrivals: l.scheduled.arrivals },
});

/** Checks both airports of a query against the reference. */
function check(flights: Raw[], q: Query, asOf: string) {
  const ctx = contextOf(flights);
  const asOfUtc = asOf.length === 16 ? utcOfLocal(asOf, q.origin) : Date.parse(asOf);
  const used = featuresAt(ctx, q, asOf).context;
  const date = q.departure.slice(0, 10);
  expect(counts(used.origin_live)).toEqual(
    expectedAt(flights, q.origin, date, asOfUtc, Number(q.departure.slice(11, 13))),
  );
  const arrival = arrivalLocalDate({ ...q });
  const arrivalHour = arrival.startsWith(date) ? Number(arrival.slice(11, 13)) : 99;
  expect(counts(used.destination_live)).toEqual(expectedAt(flights, q.destination, date, asOfUtc, arrivalHour));
  return used;
}

const DAY = "2001-06-15";
// SFO -> PHX, 651 miles: block 35 + 81.375 = 116.375 min; known at +15 min margin + delay.
// Departing 08:00 PDT = 15:00Z; landing known at 15:00Z + 131.375 min + delay.
const sfoPhx = (departure: string, delay: number): Raw => ({
  origin: "SFO",
  destination: "PHX",
  departure,
  distance: 651,
  delay,
});
const query: Query = { origin: "SFO", destination: "JFK", departure: `${DAY}T12:00`, distance: 2586 };

describe("flights live context at as_of: boundaries", () => {
  it("counts an outcome known one minute before as_of and not one known one minute after", () => {
    // Landing known at departure + 131.375 min + delay.
    const before = sfoPhx(`${DAY}T08:00`, 43.625); // known 10:55 PDT -> bin 11:00
    const after = sfoPhx(`${DAY}T08:05`, 40.625); // known 10:57 PDT -> bin 11:00
    const lateAfter = sfoPhx(`${DAY}T08:30`, 30.625); // known 11:12 PDT -> bin 11:15
    const flights = [before, after, lateAfter];
    const atEleven = check(flights, query, `${DAY}T11:00`);
    expect(atEleven.origin_live.departures_today).toEqual({ flights: 2, late: 2 });
    // 11:11 is one minute before lateAfter is known: not counted; at 11:15 (its quarter hour) it is.
    expect(check(flights, query, `${DAY}T11:11`).origin_live.departures_today).toEqual({ flights: 2, late: 2 });
    expect(check(flights, query, `${DAY}T11:15`).origin_live.departures_today).toEqual({ flights: 3, late: 3 });
    // Exactly on the boundary: known at 10:59 counts at 11:00, known at 11:01 does not.
    const at1059 = sfoPhx(`${DAY}T08:00`, 47.625);
    const at1101 = sfoPhx(`${DAY}T08:00`, 49.625);
    expect(check([at1059], query, `${DAY}T11:00`).origin_live.departures_today.flights).toBe(1);
    expect(check([at1101], query, `${DAY}T11:00`).origin_live.departures_today.flights).toBe(0);
    expect(check([at1101], query, `${DAY}T11:15`).origin_live.departures_today.flights).toBe(1);
  });

  it("counts lateness only above 15 minutes, and drops outcomes from the recent window after 3 hours", () => {
    const onTime = sfoPhx(`${DAY}T06:00`, 15);
    const late = sfoPhx(`${DAY}T06:00`, 16);
    const flights = [onTime, late];
    const used = check(flights, query, `${DAY}T09:00`);
    expect(used.origin_live.departures_today).toEqual({ flights: 2, late: 1 });
    expect(used.origin_live.departures_recent).toEqual({ flights: 2, late: 1 });
    const later = check(flights, query, `${DAY}T12:00`);
    expect(later.origin_live.departures_recent).toEqual({ flights: 0, late: 0 });
    expect(later.origin_live.departures_today).toEqual({ flights: 2, late: 1 });
  });

  it("around midnight: as_of on the day before sees nothing of the day; an arrival landing after midnight counts at its quarter hour", () => {
    // PHX -> SFO departing 22:30 on the 14th (PHX = PDT in June): estimated arrival 00:26 on the 15th,
    // so it is an arrival of SFO's 15th; landing known 22:30 + 116.375 + 15 + 30 = 01:11.375 -> 01:15.
    const overnight: Raw = {
      origin: "PHX",
      destination: "SFO",
      departure: "2001-06-14T22:30",
      distance: 651,
      delay: 30,
    };
    const early = sfoPhx(`${DAY}T00:05`, 0); // departs SFO 00:05, known 02:16
    const flights = [overnight, early];
    const q0: Query = { origin: "SFO", destination: "ORD", departure: `${DAY}T00:45`, distance: 1846 };
    const before = check(flights, q0, "2001-06-14T23:50");
    expect(before.origin_live.arrivals_recent.flights).toBe(0);
    expect(before.origin_live.departures_today.flights).toBe(0);
    expect(before.origin_live.scheduled).toMatchObject({ hour: 0, departures: 1, arrivals: 1 });
    expect(before.lead_minutes).toBe(55);
    const q: Query = { ...q0, departure: `${DAY}T03:00` };
    expect(check(flights, q, `${DAY}T01:14`).origin_live.arrivals_recent.flights).toBe(0);
    expect(check(flights, q, `${DAY}T01:15`).origin_live.arrivals_recent).toEqual({ flights: 1, late: 1 });
    expect(check(flights, q, `${DAY}T02:15`).origin_live.departures_today).toEqual({ flights: 0, late: 0 });
    expect(check(flights, q, `${DAY}T02:30`).origin_live.departures_today).toEqual({ flights: 1, late: 0 });
  });

  it("reads the destination on its own clock, and an instant as_of equals the origin's local one", () => {
    // ORD -> JFK, 740 miles; JFK is one hour ahead of ORD.
    const inbound: Raw = { origin: "ORD", destination: "JFK", departure: `${DAY}T07:00`, distance: 740, delay: 20 };
    // landing known 07:00 CDT + 127.5 + 15 + 20 = 09:42.5 CDT = 10:42.5 EDT -> bin 10:45 EDT = 09:45 CDT
    const flights = [inbound];
    const q: Query = { origin: "SFO", destination: "JFK", departure: `${DAY}T08:00`, distance: 2586 };
    // 07:44 PDT = 10:44 EDT: not yet; 07:45 PDT = 10:45 EDT: counted at the destination.
    expect(check(flights, q, `${DAY}T07:44`).destination_live.arrivals_recent.flights).toBe(0);
    expect(check(flights, q, `${DAY}T07:45`).destination_live.arrivals_recent).toEqual({ flights: 1, late: 1 });
    expect(check(flights, q, `${DAY}T14:45:00Z`).destination_live.arrivals_recent).toEqual({ flights: 1, late: 1 });
    expect(check(flights, q, `${DAY}T10:44:59-04:00`).destination_live.arrivals_recent.flights).toBe(0);
    const ctx = contextOf(flights);
    expect(featuresAt(ctx, q, `${DAY}T07:45`).features).toEqual(featuresAt(ctx, q, `${DAY}T14:45Z`).features);
  });

  it("counts a cancellation from its cancellation time, and never as a settled outcome", () => {
    const cancelled: Raw = { ...sfoPhx(`${DAY}T07:00`, 60), cancelledAt: `${DAY}T15:30:00Z` }; // 08:30 PDT
    const flights = [cancelled];
    const atEight = check(flights, query, `${DAY}T08:29`);
    expect(atEight.origin_live.cancelled_today).toBe(0);
    const after = check(flights, query, `${DAY}T11:00`);
    expect(after.origin_live.cancelled_today).toBe(1);
    expect(after.origin_live.departures_today.flights).toBe(0);
    // Its schedule is known in advance, its cancellation only from 08:30.
    const q: Query = { ...query, departure: `${DAY}T07:40` };
    const asked = check(flights, q, `${DAY}T07:40`);
    expect(asked.origin_live.scheduled).toMatchObject({ hour: 7, departures: 1 });
    expect(asked.origin_live.cancelled_today).toBe(0);
  });

  it("rejects an as_of after the scheduled departure, naming the field", () => {
    const ctx = contextOf([]);
    expect(() => featuresAt(ctx, query, `${DAY}T12:01`)).toThrow(ServeError);
    expect(() => featuresAt(ctx, query, `${DAY}T12:01`)).toThrow(/as_of: expected a prediction time not after/);
    expect(() => featuresAt(ctx, query, `${DAY}T19:00:01Z`)).toThrow(/as_of/);
    expect(() => featuresAt(ctx, query, "tomorrow")).toThrow(/as_of: expected the prediction time/);
    expect(featuresAt(ctx, query, `${DAY}T19:00:00Z`).context.lead_minutes).toBe(0);
    expect(featuresAt(ctx, query, undefined).context.as_of).toBe(`${DAY}T12:00`);
  });
});

describe("flights live context at as_of: random days", () => {
  const codes = Object.keys(AIRPORTS);
  let seed = 99;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const two = (n: number) => String(n).padStart(2, "0");
  const local = (day: number, minute: number) =>
    `2001-06-${two(day)}T${two(Math.floor(minute / 60))}:${two(minute % 60)}`;
  const flights: Raw[] = [];
  for (let i = 0; i < 600; i++) {
    const origin = pick(codes);
    const destination = pick(codes.filter((c) => c !== origin));
    const f: Raw = {
      origin,
      destination,
      departure: local(14 + Math.floor(random() * 3), Math.floor(random() * 1440)),
      distance: 300 + Math.floor(random() * 2300),
    };
    if (random() < 0.06) f.cancelledAt = new Date(utcOfLocal(f.departure, origin) - random() * 300 * MIN).toISOString();
    else f.delay = Math.floor(random() * 120) - 20;
    flights.push(f);
  }

  it("every count equals the brute-force reference at random as_of, local or instant", () => {
    for (let n = 0; n < 150; n++) {
      const origin = pick(codes);
      const q: Query = {
        origin,
        destination: pick(codes.filter((c) => c !== origin)),
        departure: local(15, Math.floor(random() * 1440)),
        distance: 300 + Math.floor(random() * 2300),
      };
      const lead = Math.floor(random() * 240);
      const asOfLocal = new Date(Date.parse(`${q.departure}Z`) - lead * MIN).toISOString().slice(0, 16);
      check(flights, q, asOfLocal);
      check(flights, q, new Date(utcOfLocal(asOfLocal, origin) + 17_000).toISOString());
    }
  });

  it("changing outcomes settled after as_of changes no feature", () => {
    const ctx = contextOf(flights);
    for (let n = 0; n < 60; n++) {
      const origin = pick(codes);
      const q: Query = {
        origin,
        destination: pick(codes.filter((c) => c !== origin)),
        departure: local(15, 300 + Math.floor(random() * 1100)),
        distance: 800,
      };
      const asOf = new Date(Date.parse(`${q.departure}Z`) - Math.floor(random() * 180) * MIN)
        .toISOString()
        .slice(0, 16);
      const asOfUtc = utcOfLocal(asOf, origin);
      // Every outcome not known by as_of: landing pushed later, and on-time flights turned late.
      const altered = flights.map((f) =>
        f.delay !== undefined && landingUtc(f) > asOfUtc ? { ...f, delay: f.delay + (f.delay > 15 ? 100 : 200) } : f,
      );
      const a = featuresAt(ctx, q, asOf).features;
      const b = featuresAt(contextOf(altered), q, asOf).features;
      expect(b).toEqual(a);
    }
  });

  it("the offline builder writes the same values as the shared facts path", () => {
    const settled = flights.filter((f) => f.delay !== undefined);
    const airports = new Map(Object.entries(AIRPORTS).map(([code, a]) => [code, { code, ...a }]));
    const columns = {
      n: settled.length,
      minute: Float64Array.from(settled, (f) => Date.parse(`${f.departure}Z`) / MIN),
      delay: Int32Array.from(settled, (f) => f.delay!),
      distance: Float64Array.from(settled, (f) => f.distance),
      origin: settled.map((f) => f.origin),
      destination: settled.map((f) => f.destination),
    };
    const fromBuilder = buildCongestion(columns, Uint32Array.from(settled.keys()), airports);
    const shared = contextOf(settled);
    expect(fromBuilder.size).toBeGreaterThan(10);
    for (const [key, value] of fromBuilder) {
      const { updated_at: _, ...counts } = value;
      const { updated_at: __, ...expected } = JSON.parse(shared(key) as string);
      expect(counts).toEqual(expected);
    }
  });
});
