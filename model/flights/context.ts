/**
 * Builds the KV context values (schema in src/pipelines/flights/context.ts) from the flights:
 * airport and route statistics from the stats period (Jan–Mar), and per airport-day
 * congestion series for any set of rows (June for the KV file, Apr–May in memory).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  type AirportValue,
  type CongestionValue,
  type ContextLookup,
  type FlightsContextParams,
  KV,
  type RouteValue,
  utcOffsetOn,
} from "../../src/pipelines/flights/index.ts";
import { type Airport, dateOf, type Flights, isLate } from "./data.ts";

/** Constants of the context build (documented in MODEL_CARD.md). */
export const CONTEXT_BUILD = {
  /** Pseudo-count shrinking an airport's Jan–Mar late rate toward the global rate. */
  airport_prior_strength: 20,
  /** Pseudo-count shrinking a route's Jan–Mar late rate toward its origin's rate. */
  route_prior_strength: 50,
  /** Routes with fewer Jan–Mar flights are left out of KV (the origin's rate applies). */
  route_min_flights: 30,
  /** Scheduled block time estimate: base + per_mile * distance (minutes). */
  block_minutes: { base: 35, per_mile: 0.125 },
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

/** Estimated scheduled block time in minutes (the data has no scheduled arrival). */
export const blockMinutes = (distance: number) =>
  CONTEXT_BUILD.block_minutes.base + CONTEXT_BUILD.block_minutes.per_mile * distance;

/**
 * cong:<airport>:<date> values from the rows given: departures per local scheduled hour at
 * the origin, and arrivals per local (estimated) scheduled arrival hour at the destination,
 * each with how many arrived > 15 min late.
 */
export function buildCongestion(
  f: Flights,
  rows: Uint32Array,
  airports: Map<string, Airport>,
): Map<string, CongestionValue> {
  const out = new Map<string, CongestionValue>();
  const add = (code: string, localMinute: number, kind: "dep" | "arr", late: boolean) => {
    const iso = new Date(localMinute * 60_000).toISOString();
    const key = KV.congestion(code, iso.slice(0, 10));
    let v = out.get(key);
    if (!v) {
      const zeros = () => new Array<number>(24).fill(0);
      v = { dep: zeros(), dep_late: zeros(), arr: zeros(), arr_late: zeros() };
      out.set(key, v);
    }
    const h = Number(iso.slice(11, 13));
    v[kind][h]!++;
    if (late) v[kind === "dep" ? "dep_late" : "arr_late"][h]!++;
  };
  for (const i of rows) {
    const late = isLate(f, i);
    const m = f.minute[i]!;
    add(f.origin[i]!, m, "dep", late);
    const [y, mo, d] = dateOf(f, i).split("-").map(Number) as [number, number, number];
    const day = { year: y, month: mo, day: d };
    const shift = utcOffsetOn(airports.get(f.destination[i]!)!, day) - utcOffsetOn(airports.get(f.origin[i]!)!, day);
    add(f.destination[i]!, m + blockMinutes(f.distance[i]!) + shift * 60, "arr", late);
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
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
export function memoryLookup(stats: Stats, congestion: Map<string, CongestionValue>): ContextLookup {
  return (key) => {
    if (key.startsWith("ap:")) return stats.airports.get(key.slice(3));
    if (key.startsWith("route:")) return stats.routes.get(key);
    return congestion.get(key);
  };
}

export interface Entry {
  key: string;
  value: string;
}

/** All KV entries (airports, routes, the live period's congestion), sorted by key. */
export function contextEntries(stats: Stats, congestion: Map<string, CongestionValue>): Entry[] {
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
