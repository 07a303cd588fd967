/**
 * Feature building of the flights model: one function used by the Node trainer and the
 * Worker alike, so training and serving cannot drift.
 *
 * Point in time: the live features read the cong: values through live.ts at the request's
 * `as_of` (as-of.ts; default: the start of the departure hour), so they only count outcomes
 * known by then. The lead time (departure - as_of) is a feature.
 *
 * Missing context (absent or malformed KV value) is defaulted, never an error:
 * - ap:X missing     -> late_rate = defaults.late_rate, volume 0, location defaults.lat/lon,
 *                       and the destination's live value cannot be aligned in time (defaulted).
 * - route missing    -> the origin's late rate (the same prior routes are shrunk toward).
 * - cong missing     -> nothing known that day: 0 flights, so the late rates equal their prior
 *                       (the airport's late rate), 0 scheduled.
 * `missing` lists the KV keys that were defaulted.
 */
import type * as z from "zod";
import { parseInstant } from "../../core/context/time.ts";
import { type AsOf, departureMinutes, localText, midnightMinutes, resolveAsOf } from "./as-of.ts";
import {
  type AirportValue,
  AirportValueSchema,
  type ContextLookup,
  KV,
  RouteValueSchema,
  readValue,
  utcOffsetOn,
} from "./context.ts";
import { blockMinutes, type Counts, type LiveAt, LiveValueSchema, liveAt } from "./live.ts";
import { FEATURE_NAMES } from "./names.ts";
import type { FlightsContextParams, FlightsParams } from "./params.ts";
import type { FlightQuery } from "./query.ts";

export type { Counts } from "./live.ts";

export interface AirportUsed {
  late_rate: number;
  flights: number;
  lat: number;
  lon: number;
}

/** One airport's live value at as_of: the counts used and how current the value was. */
export interface LiveUsed extends LiveAt {
  /** The value's updated_at (undefined when the value is missing). */
  updated_at?: string;
  /** How far as_of is past updated_at, in minutes (0 when the value already covers as_of). */
  lag_minutes?: number;
}

export interface ContextUsed {
  /** The prediction time, local wall time at the origin, and the lead before departure. */
  as_of: string;
  lead_minutes: number;
  origin: AirportUsed;
  destination: AirportUsed;
  route: { late_rate: number; flights: number };
  origin_live: LiveUsed;
  destination_live: LiveUsed;
}

export interface FeatureResult {
  features: number[];
  missing: string[];
  context: ContextUsed;
}

/** Lead times above this (hours) enter the model as this value: the trained range. */
export const MAX_LEAD_HOURS = 3;

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

/** The live value's counts at `asOf` (minutes since that airport's local midnight), and its lag. */
function liveUsed(
  v: z.infer<typeof LiveValueSchema> | undefined,
  asOf: number,
  windowMinutes: number,
  hour: number,
  asOfUtcMs: number | undefined,
): LiveUsed {
  const at: LiveUsed = liveAt(v, asOf, windowMinutes, hour);
  if (!v) return at;
  at.updated_at = v.updated_at;
  const updated = parseInstant(v.updated_at);
  if (asOfUtcMs !== undefined && updated !== undefined)
    at.lag_minutes = Math.max(0, Math.round((asOfUtcMs - updated) / 60_000));
  return at;
}

/**
 * Unscaled features in `FEATURE_NAMES` order, plus what was missing and what was used.
 * `asOf` is the request's prediction time (absent: the start of the departure hour); `row`
 * names the flight in errors (an as_of after the departure is a 400).
 */
export function rawFeatures(
  q: FlightQuery,
  ctx: ContextLookup,
  p: FlightsContextParams,
  asOf?: AsOf,
  row = "instance",
): FeatureResult {
  const missing: string[] = [];
  const read = <T>(key: string, schema: z.ZodType<T>): T | undefined => {
    const v = readValue(ctx, key, schema);
    if (v === undefined) missing.push(key);
    return v;
  };

  const apO = read(KV.airport(q.origin), AirportValueSchema);
  const apD = read(KV.airport(q.destination), AirportValueSchema);
  const routeV = read(KV.route(q.origin, q.destination), RouteValueSchema);
  const liveO = read(KV.congestion(q.origin, q.date), LiveValueSchema);
  const destLiveKey = KV.congestion(q.destination, q.date);
  let liveD = read(destLiveKey, LiveValueSchema);

  const origin = airportUsed(apO, p);
  const destination = airportUsed(apD, p);
  const route = routeV ?? { late_rate: origin.late_rate, flights: 0 };

  const offsetO = apO ? utcOffsetOn(apO, q) : undefined;
  const asOfLocal = resolveAsOf(q, asOf, offsetO, row);
  const lead = departureMinutes(q) - asOfLocal;
  const asOfO = asOfLocal - midnightMinutes(q); // minutes since the origin's local midnight
  const asOfUtcMs = offsetO === undefined ? undefined : (asOfLocal - offsetO * 60) * 60_000;

  // The destination's clock: shifted by the zone difference. Without both time zones its
  // value cannot be aligned, so it is defaulted.
  let shift = 0;
  if (apO && apD) shift = (utcOffsetOn(apD, q) - utcOffsetOn(apO, q)) * 60;
  else if (liveD) {
    liveD = undefined;
    missing.push(destLiveKey);
  }
  const arrivalHour = Math.floor((q.hour * 60 + q.minute + blockMinutes(q.distance) + shift) / 60);

  const W = p.window_hours * 60;
  const K = p.recent_prior_strength;
  const lO = liveUsed(liveO, asOfO, W, q.hour, asOfUtcMs);
  const lD = liveUsed(liveD, asOfO + shift, W, arrivalHour, asOfUtcMs);

  const minutes = q.hour * 60 + q.minute;
  const angle = (2 * Math.PI * minutes) / 1440;
  const dow = [0, 0, 0, 0, 0, 0, 0];
  dow[q.dayOfWeek] = 1;
  const live = (l: LiveAt, prior: number) => [
    ...rateAndVolume(l.departures_recent, prior, K),
    ...rateAndVolume(l.departures_today, prior, K),
    ...rateAndVolume(l.arrivals_recent, prior, K),
    Math.log1p(l.scheduled.departures),
    Math.log1p(l.scheduled.arrivals),
  ];

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
    Math.min(MAX_LEAD_HOURS, lead / 60),
    ...live(lO, origin.late_rate),
    ...live(lD, destination.late_rate),
  ];
  if (features.length !== FEATURE_NAMES.length)
    throw new Error("flights: feature vector length drifted from FEATURE_NAMES");
  return {
    features,
    missing,
    context: {
      as_of: localText(Math.floor(asOfLocal)),
      lead_minutes: Math.round(lead * 100) / 100,
      origin,
      destination,
      route,
      origin_live: lO,
      destination_live: lD,
    },
  };
}

/** Standardises a raw vector with the train-set constants: (x - mean) / std. */
export function scaleFeatures(raw: readonly number[], scaling: FlightsParams["scaling"]): number[] {
  return raw.map((x, i) => (x - (scaling.mean[i] ?? 0)) / (scaling.std[i] ?? 1));
}

/** The model's input row for one flight: scaled features, missing context keys, context used. */
export function buildFeatures(
  q: FlightQuery,
  ctx: ContextLookup,
  params: FlightsParams,
  asOf?: AsOf,
  row?: string,
): FeatureResult {
  const r = rawFeatures(q, ctx, params, asOf, row);
  return { ...r, features: scaleFeatures(r.features, params.scaling) };
}
