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
import { type AsOf, localText, midnightMinutes, resolveAsOf } from "./as-of.ts";
import {
  type AirportValue,
  AirportValueSchema,
  type ContextLookup,
  instantOf,
  KV,
  RouteValueSchema,
  readValue,
  usDaylightSaving,
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

/**
 * What the rows of one request share, derived from its context values once instead of once per
 * row (`rowShare()`, passed to `rawFeatures` by the serving pipeline): each airport's part of the
 * context, the route part of a route without a value, each live value's counts at an as_of, the
 * local text of an as_of. Rows given the same parts get the same objects (read-only), so their
 * JSON is written once too (`contextJson`). Not for the trainer's millions of rows: it grows
 * with the distinct parts it sees.
 */
export interface RowShare {
  airports: Map<AirportValue | undefined, AirportUsed>;
  routes: Map<AirportUsed, { late_rate: number; flights: number }>;
  lives: Map<string, LiveUsed>;
  locals: Map<number, string>;
  /** `contextJson`'s memo: the JSON text of each shared part. */
  texts: Map<object, string>;
}

export const rowShare = (): RowShare => ({
  airports: new Map(),
  routes: new Map(),
  lives: new Map(),
  locals: new Map(),
  texts: new Map(),
});

/** A late rate shrunk toward `prior` with `k` pseudo-flights, then ln(1 + flights), appended to `out`. */
function pushRateAndVolume(out: number[], c: Counts, prior: number, k: number): void {
  out.push((c.late + k * prior) / (c.flights + k), Math.log1p(c.flights));
}

/** The eight live features of one airport, appended to `out`. */
function pushLive(out: number[], l: LiveAt, prior: number, k: number): void {
  pushRateAndVolume(out, l.departures_recent, prior, k);
  pushRateAndVolume(out, l.departures_today, prior, k);
  pushRateAndVolume(out, l.arrivals_recent, prior, k);
  out.push(Math.log1p(l.scheduled.departures), Math.log1p(l.scheduled.arrivals));
}

function airportUsed(a: AirportValue | undefined, p: FlightsContextParams, share?: RowShare): AirportUsed {
  const known = share?.airports.get(a);
  if (known) return known;
  const used = a
    ? { late_rate: a.late_rate, flights: a.flights, lat: a.lat, lon: a.lon }
    : { late_rate: p.defaults.late_rate, flights: 0, lat: p.defaults.lat, lon: p.defaults.lon };
  share?.airports.set(a, used);
  return used;
}

/** A route without a value: the origin's late rate, no flights. */
function routeOf(origin: AirportUsed, share?: RowShare): { late_rate: number; flights: number } {
  const known = share?.routes.get(origin);
  if (known) return known;
  const route = { late_rate: origin.late_rate, flights: 0 };
  share?.routes.set(origin, route);
  return route;
}

/** The live value's counts at `asOf` (minutes since that airport's local midnight), and its lag. */
function liveUsed(
  ctx: ContextLookup,
  key: string,
  v: z.infer<typeof LiveValueSchema> | undefined,
  asOf: number,
  windowMinutes: number,
  hour: number,
  asOfUtcMs: number | undefined,
  share?: RowShare,
): LiveUsed {
  // Everything the result depends on (the value is the key's, or none).
  const memo = share ? `${v ? key : ""} ${asOf} ${windowMinutes} ${hour} ${asOfUtcMs}` : "";
  const known = share?.lives.get(memo);
  if (known) return known;
  const at: LiveUsed = liveAt(v, asOf, windowMinutes, hour);
  if (v) {
    at.updated_at = v.updated_at;
    const updated = instantOf(ctx, v.updated_at);
    if (asOfUtcMs !== undefined && updated !== undefined)
      at.lag_minutes = Math.max(0, Math.round((asOfUtcMs - updated) / 60_000));
  }
  share?.lives.set(memo, at);
  return at;
}

function localTextOf(minutes: number, share?: RowShare): string {
  const known = share?.locals.get(minutes);
  if (known !== undefined) return known;
  const text = localText(minutes);
  share?.locals.set(minutes, text);
  return text;
}

/** Reads one value for a flight; an absent or malformed one is noted in `missing`. */
function readOr<T>(ctx: ContextLookup, key: string, schema: z.ZodType<T>, missing: string[]): T | undefined {
  const v = readValue(ctx, key, schema);
  if (v === undefined) missing.push(key);
  return v;
}

/**
 * Unscaled features in `FEATURE_NAMES` order, plus what was missing and what was used.
 * `asOf` is the request's prediction time (absent: the start of the departure hour); `row`
 * names the flight in errors (an as_of after the departure is a 400). `share`: the request's
 * parts shared by its rows (`rowShare`); the same answer with or without it.
 */
export function rawFeatures(
  q: FlightQuery,
  ctx: ContextLookup,
  p: FlightsContextParams,
  asOf?: AsOf,
  row = "instance",
  share?: RowShare,
): FeatureResult {
  const missing: string[] = [];
  const apO = readOr(ctx, KV.airport(q.origin), AirportValueSchema, missing);
  const apD = readOr(ctx, KV.airport(q.destination), AirportValueSchema, missing);
  const routeV = readOr(ctx, KV.route(q.origin, q.destination), RouteValueSchema, missing);
  const originLiveKey = KV.congestion(q.origin, q.date);
  const liveO = readOr(ctx, originLiveKey, LiveValueSchema, missing);
  const destLiveKey = KV.congestion(q.destination, q.date);
  let liveD = readOr(ctx, destLiveKey, LiveValueSchema, missing);

  const origin = airportUsed(apO, p, share);
  const destination = airportUsed(apD, p, share);
  const route = routeV ?? routeOf(origin, share);

  // The date's daylight-saving state once per flight; each airport's offset is utcOffsetOn's.
  const dst = usDaylightSaving(q.year, q.month, q.day);
  const offsetO = apO ? apO.utc_offset + (apO.dst && dst ? 1 : 0) : undefined;
  const asOfLocal = resolveAsOf(q, asOf, offsetO, row);
  const midnight = midnightMinutes(q);
  const lead = midnight + q.hour * 60 + q.minute - asOfLocal; // departureMinutes(q) - asOfLocal
  const asOfO = asOfLocal - midnight; // minutes since the origin's local midnight
  const asOfUtcMs = offsetO === undefined ? undefined : (asOfLocal - offsetO * 60) * 60_000;

  // The destination's clock: shifted by the zone difference. Without both time zones its
  // value cannot be aligned, so it is defaulted.
  let shift = 0;
  if (apO && apD) shift = (apD.utc_offset + (apD.dst && dst ? 1 : 0) - offsetO!) * 60;
  else if (liveD) {
    liveD = undefined;
    missing.push(destLiveKey);
  }
  const arrivalHour = Math.floor((q.hour * 60 + q.minute + blockMinutes(q.distance) + shift) / 60);

  const W = p.window_hours * 60;
  const K = p.recent_prior_strength;
  const lO = liveUsed(ctx, originLiveKey, liveO, asOfO, W, q.hour, asOfUtcMs, share);
  const lD = liveUsed(ctx, destLiveKey, liveD, asOfO + shift, W, arrivalHour, asOfUtcMs, share);

  const minutes = q.hour * 60 + q.minute;
  const angle = (2 * Math.PI * minutes) / 1440;
  const features = [Math.log(q.distance), Math.sin(angle), Math.cos(angle), 0, 0, 0, 0, 0, 0, 0];
  features[3 + q.dayOfWeek] = 1; // one-hot day of week
  features.push(
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
  );
  pushLive(features, lO, origin.late_rate, K);
  pushLive(features, lD, destination.late_rate, K);
  if (features.length !== FEATURE_NAMES.length)
    throw new Error("flights: feature vector length drifted from FEATURE_NAMES");
  return {
    features,
    missing,
    context: {
      as_of: localTextOf(Math.floor(asOfLocal), share),
      lead_minutes: Math.round(lead * 100) / 100,
      origin,
      destination,
      route,
      origin_live: lO,
      destination_live: lD,
    },
  };
}

/**
 * A row's `context` output: `JSON.stringify({ ...r.context, missing: r.missing, degraded })`, with
 * each shared part (`rowShare`: airports, routes, live counts) written once per request.
 */
export function contextJson(r: FeatureResult, degraded: boolean, share: RowShare): string {
  const c = r.context;
  const t = share.texts;
  return `{"as_of":${JSON.stringify(c.as_of)},"lead_minutes":${JSON.stringify(c.lead_minutes)},"origin":${partJson(t, c.origin)},"destination":${partJson(t, c.destination)},"route":${partJson(t, c.route)},"origin_live":${partJson(t, c.origin_live)},"destination_live":${partJson(t, c.destination_live)},"missing":${JSON.stringify(r.missing)},"degraded":${degraded}}`;
}

function partJson(texts: Map<object, string>, part: object): string {
  let text = texts.get(part);
  if (text === undefined) {
    text = JSON.stringify(part);
    texts.set(part, text);
  }
  return text;
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
