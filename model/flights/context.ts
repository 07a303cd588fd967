/**
 * Builds the KV context values (schema in src/pipelines/flights/context.ts) from the flights:
 * airport and route statistics from the stats period (Jan–Mar), and per airport-day
 * congestion series for any set of rows (June for the KV file, Apr–May in memory).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { formatInstant } from "../../src/core/context/time.ts";
import { estimatedKnownAt, flightFacts } from "../../src/pipelines/flights/facts.ts";
import {
  type AirportValue,
  type ContextLookup,
  type FlightsContextParams,
  KV,
  LiveAccumulator,
  type LiveValue,
  type RouteValue,
} from "../../src/pipelines/flights/index.ts";
import { type Airport, type Flights, isLate } from "./data.ts";

/** Constants of the context build (documented in MODEL_CARD.md). */
export const CONTEXT_BUILD = {
  /** Pseudo-count shrinking an airport's Jan–Mar late rate toward the global rate. */
  airport_prior_strength: 20,
  /** Pseudo-count shrinking a route's Jan–Mar late rate toward its origin's rate. */
  route_prior_strength: 50,
  /** Routes with fewer Jan–Mar flights are left out of KV (the origin's rate applies). */
  route_min_flights: 30,
  /** Scheduled block time estimate and safety margin: BLOCK in src/pipelines/flights/live.ts. */
  /** Feature-time constants (go into the manifest). */
  window_hours: 3,
  recent_prior_strength: 5,
  /** Location when ap: is missing: geographic centre of the contiguous US. */
  default_location: { lat: 39.83, lon: -98.58 },
} as const;

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export interface Stats {
  late_rate: number;
  flights: number;
  airports: Map<string, AirportValue>;
  routes: Map<string, RouteValue>;
}

/** Airport and route values from the stats rows; every airport in `airports` gets a value. */
export function buildStats(f: Flights, statsRows: Uint32Array, airports: Map<string, Airport>): Stats {
  const ap = new Map<string, { n: number; late: number }>();
  const rt = new Map<string, { origin: string; n: number; late: number }>();
  let late = 0;
  for (const i of statsRows) {
    const l = isLate(f, i) ? 1 : 0;
    late += l;
    const a = ap.get(f.origin[i]!) ?? { n: 0, late: 0 };
    a.n++, (a.late += l);
    ap.set(f.origin[i]!, a);
    const key = KV.route(f.origin[i]!, f.destination[i]!);
    const r = rt.get(key) ?? { origin: f.origin[i]!, n: 0, late: 0 };
    r.n++, (r.late += l);
    rt.set(key, r);
  }
  const global = statsRows.length ? late / statsRows.length : 0;
  const K_AP = CONTEXT_BUILD.airport_prior_strength;
  const K_RT = CONTEXT_BUILD.route_prior_strength;

  const airportValues = new Map<string, AirportValue>();
  for (const [code, a] of airports) {
    const s = ap.get(code) ?? { n: 0, late: 0 };
    airportValues.set(code, {
      lat: r4(a.lat),
      lon: r4(a.lon),
      utc_offset: a.utc_offset,
      dst: a.dst,
      late_rate: r4((s.late + K_AP * global) / (s.n + K_AP)),
      flights: s.n,
    });
  }
  const routes = new Map<string, RouteValue>();
  for (const [key, r] of [...rt].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (r.n < CONTEXT_BUILD.route_min_flights) continue;
    const prior = airportValues.get(r.origin)?.late_rate ?? global;
    routes.set(key, { late_rate: r4((r.late + K_RT * prior) / (r.n + K_RT)), flights: r.n });
  }
  return { late_rate: r4(global), flights: statsRows.length, airports: airportValues, routes };
}

/**
 * cong:<airport>:<date> values (src/pipelines/flights/live.ts) from the rows given: every flight
 * is a departure fact at its origin and an arrival fact at its destination (facts.ts), its
 * arrival delay known at the estimated landing. Each value's updated_at is the end of its local
 * day: the value holds everything known by then that a flight of that day may use.
 */
export function buildCongestion(f: Flights, rows: Uint32Array, airports: Map<string, Airport>): Map<string, LiveValue> {
  const acc = new Map<string, { midnight: number; a: LiveAccumulator }>();
  for (const i of rows) {
    const origin = airports.get(f.origin[i]!)!;
    const destination = airports.get(f.destination[i]!)!;
    const flight = {
      origin: origin.code,
      destination: destination.code,
      departure: f.minute[i]!,
      distance: f.distance[i]!,
    };
    const at = estimatedKnownAt(flight, origin, f.delay[i]!);
    for (const { key, midnight, fact } of flightFacts(
      { ...flight, arrived: { at, delay: f.delay[i]! } },
      origin,
      destination,
    )) {
      let e = acc.get(key);
      if (!e) {
        e = { midnight, a: new LiveAccumulator() };
        acc.set(key, e);
      }
      e.a.add(fact);
    }
  }
  const out = new Map<string, LiveValue>();
  for (const [key, { midnight, a }] of [...acc].sort(([x], [y]) => (x < y ? -1 : 1)))
    out.set(key, a.value(formatInstant((midnight + 1440) * 60_000)));
  return out;
}

/** The feature-time params implied by the stats (part of the manifest's params). */
export function contextParams(stats: Stats): FlightsContextParams {
  return {
    window_hours: CONTEXT_BUILD.window_hours,
    recent_prior_strength: CONTEXT_BUILD.recent_prior_strength,
    defaults: { late_rate: stats.late_rate, ...CONTEXT_BUILD.default_location },
  };
}

/** In-memory lookup over parsed values (training path). */
export function memoryLookup(stats: Stats, congestion: Map<string, LiveValue>): ContextLookup {
  const lookup = (key: string) => {
    if (key.startsWith("ap:")) return stats.airports.get(key.slice(3));
    if (key.startsWith("route:")) return stats.routes.get(key);
    return congestion.get(key);
  };
  // Each value is validated once (readValue's memo), not once per row.
  return Object.assign(lookup, { validated: new Map<string, unknown>() });
}

export interface Entry {
  key: string;
  value: string;
}

/** All KV entries (airports, routes, the live period's congestion), sorted by key. */
export function contextEntries(stats: Stats, congestion: Map<string, LiveValue>): Entry[] {
  const entries: Entry[] = [];
  for (const [code, v] of stats.airports) entries.push({ key: KV.airport(code), value: JSON.stringify(v) });
  for (const [key, v] of stats.routes) entries.push({ key, value: JSON.stringify(v) });
  for (const [key, v] of congestion) entries.push({ key, value: JSON.stringify(v) });
  return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Writes the `wrangler kv bulk put` file: a JSON array, one entry per line. */
export function writeContextFile(path: string, entries: Entry[]): number {
  mkdirSync(dirname(path), { recursive: true });
  const text = "[\n" + entries.map((e) => JSON.stringify(e)).join(",\n") + "\n]\n";
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

export function readContextFile(path: string): Entry[] {
  return JSON.parse(readFileSync(path, "utf8")) as Entry[];
}
