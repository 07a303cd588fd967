/**
 * Feature building of the flights model: one function used by the Node trainer and the
 * Worker alike, so training and serving cannot drift.
 *
 * Missing context (absent or malformed KV value) is defaulted, never an error:
 * - ap:X missing     -> late_rate = defaults.late_rate, volume 0, location defaults.lat/lon,
 *                       and the destination's congestion cannot be aligned in time (defaulted).
 * - route missing    -> the origin's late rate (the same prior routes are shrunk toward).
 * - cong missing     -> 0 flights in every window, so the windowed rates equal their prior
 *                       (the airport's late rate).
 * `missing` lists the KV keys that were defaulted.
 */
import type { z } from "zod";
import {
  type AirportValue,
  AirportValueSchema,
  type CongestionValue,
  CongestionValueSchema,
  type ContextLookup,
  KV,
  RouteValueSchema,
  readValue,
  utcOffsetOn,
} from "./context.ts";
import { FEATURE_NAMES } from "./names.ts";
import type { FlightsContextParams, FlightsParams } from "./params.ts";
import type { FlightQuery } from "./query.ts";

export interface AirportUsed {
  late_rate: number;
  flights: number;
  lat: number;
  lon: number;
}

export interface Counts {
  flights: number;
  late: number;
}

export interface CongestionUsed {
  /** Local hours [from, to) of the recent window, clipped to the day. */
  hours: [number, number];
  /** Departures scheduled in the window, and how many were late. */
  departures: Counts;
  /** Departures scheduled in [0, to). */
  departures_today: Counts;
  /** Arrivals scheduled in the window, and how many were late. */
  arrivals: Counts;
}

export interface ContextUsed {
  origin: AirportUsed;
  destination: AirportUsed;
  route: { late_rate: number; flights: number };
  origin_congestion: CongestionUsed;
  destination_congestion: CongestionUsed;
}

export interface FeatureResult {
  features: number[];
  missing: string[];
  context: ContextUsed;
}

function sumHours(series: readonly number[] | undefined, from: number, to: number): number {
  if (!series) return 0;
  let s = 0;
  for (let h = Math.max(0, from); h < Math.min(24, to); h++) s += series[h] ?? 0;
  return s;
}

/** Counts before local hour `h` of the day: the last `window` hours, and the whole day so far. */
function congestion(c: CongestionValue | undefined, h: number, window: number): CongestionUsed {
  const from = Math.min(24, Math.max(0, h - window));
  const to = Math.min(24, Math.max(0, h));
  return {
    hours: [from, to],
    departures: { flights: sumHours(c?.dep, from, to), late: sumHours(c?.dep_late, from, to) },
    departures_today: { flights: sumHours(c?.dep, 0, to), late: sumHours(c?.dep_late, 0, to) },
    arrivals: { flights: sumHours(c?.arr, from, to), late: sumHours(c?.arr_late, from, to) },
  };
}

/** A late rate shrunk toward `prior` with `k` pseudo-flights; ln(1 + flights). */
const rateAndVolume = (c: Counts, prior: number, k: number) => [
  (c.late + k * prior) / (c.flights + k),
  Math.log1p(c.flights),
];

function airportUsed(a: AirportValue | undefined, p: FlightsContextParams): AirportUsed {
  return a
    ? { late_rate: a.late_rate, flights: a.flights, lat: a.lat, lon: a.lon }
    : { late_rate: p.defaults.late_rate, flights: 0, lat: p.defaults.lat, lon: p.defaults.lon };
}

/** Unscaled features in `FEATURE_NAMES` order, plus what was missing and what was used. */
export function rawFeatures(q: FlightQuery, ctx: ContextLookup, p: FlightsContextParams): FeatureResult {
  const missing: string[] = [];
  const read = <T>(key: string, schema: z.ZodType<T>): T | undefined => {
    const v = readValue(ctx, key, schema);
    if (v === undefined) missing.push(key);
    return v;
  };

  const apO = read(KV.airport(q.origin), AirportValueSchema);
  const apD = read(KV.airport(q.destination), AirportValueSchema);
  const routeV = read(KV.route(q.origin, q.destination), RouteValueSchema);
  const congO = read(KV.congestion(q.origin, q.date), CongestionValueSchema);
  const destCongKey = KV.congestion(q.destination, q.date);
  let congD = read(destCongKey, CongestionValueSchema);

  const origin = airportUsed(apO, p);
  const destination = airportUsed(apD, p);
  const route = routeV ?? { late_rate: origin.late_rate, flights: 0 };

  // The flight's hour in the destination's local time (same calendar date). Without both
  // time zones the destination's series cannot be aligned, so it is defaulted.
  let destHour = q.hour;
  if (apO && apD) {
    const shiftMinutes = (utcOffsetOn(apD, q) - utcOffsetOn(apO, q)) * 60;
    destHour = Math.floor((q.hour * 60 + q.minute + shiftMinutes) / 60);
  } else if (congD) {
    congD = undefined;
    missing.push(destCongKey);
  }

  const W = p.window_hours;
  const K = p.recent_prior_strength;
  const cO = congestion(congO, q.hour, W);
  const cD = congestion(congD, destHour, W);

  const minutes = q.hour * 60 + q.minute;
  const angle = (2 * Math.PI * minutes) / 1440;
  const dow = [0, 0, 0, 0, 0, 0, 0];
  dow[q.dayOfWeek] = 1;

  const features = [
    Math.log(q.distance),
    Math.sin(angle),
    Math.cos(angle),
    ...dow,
    origin.late_rate,
    Math.log1p(origin.flights),
    origin.lat,
    origin.lon,
    destination.late_rate,
    Math.log1p(destination.flights),
    destination.lat,
    destination.lon,
    route.late_rate,
    ...rateAndVolume(cO.departures, origin.late_rate, K),
    ...rateAndVolume(cO.departures_today, origin.late_rate, K),
    ...rateAndVolume(cO.arrivals, origin.late_rate, K),
    ...rateAndVolume(cD.departures, destination.late_rate, K),
    ...rateAndVolume(cD.departures_today, destination.late_rate, K),
    ...rateAndVolume(cD.arrivals, destination.late_rate, K),
  ];
  if (features.length !== FEATURE_NAMES.length)
    throw new Error("flights: feature vector length drifted from FEATURE_NAMES");
  return {
    features,
    missing,
    context: { origin, destination, route, origin_congestion: cO, destination_congestion: cD },
  };
}

/** Standardises a raw vector with the train-set constants: (x - mean) / std. */
export function scaleFeatures(raw: readonly number[], scaling: FlightsParams["scaling"]): number[] {
  return raw.map((x, i) => (x - (scaling.mean[i] ?? 0)) / (scaling.std[i] ?? 1));
}

/** The model's input row for one flight: scaled features, missing context keys, context used. */
export function buildFeatures(q: FlightQuery, ctx: ContextLookup, params: FlightsParams): FeatureResult {
  const r = rawFeatures(q, ctx, params);
  return { ...r, features: scaleFeatures(r.features, params.scaling) };
}
