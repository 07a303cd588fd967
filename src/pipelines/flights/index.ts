/**
 * Flights delay model: the one preprocessing module shared by the trainer (Node) and the
 * Worker. Runtime-agnostic (no node:*, no Hono, no cloudflare:*).
 *
 *   const q = parseFlight(row, "instances[0]");          // validate raw fields (400 on error)
 *   const keys = contextKeys(q);                          // 5 KV keys; dedupe across a batch
 *   const asOf = parseAsOf(body.as_of, "as_of");             // optional prediction time (400 on error)
 *   const { features, missing, context } = buildFeatures(q, (k) => values.get(k), params, asOf);
 *
 * `params` come from the manifest: `FlightsParamsSchema.parse(manifest.preprocess.params)`.
 */

export {
  type AsOf,
  departureMinutes,
  localText,
  midnightMinutes,
  parseAsOf,
  resolveAsOf,
} from "./as-of.ts";
export {
  type AirportValue,
  AirportValueSchema,
  type CongestionValue,
  CongestionValueSchema,
  type ContextLookup,
  contextKeys,
  KV,
  lookupFromEntries,
  type RouteValue,
  RouteValueSchema,
  readValue,
  usDaylightSaving,
  utcOffsetOn,
} from "./context.ts";
export { type AirportDayFact, estimatedKnownAt, type Flight, flightFacts, type Zone } from "./facts.ts";
export {
  type AirportUsed,
  buildFeatures,
  type ContextUsed,
  type Counts,
  type FeatureResult,
  type LiveUsed,
  MAX_LEAD_HOURS,
  rawFeatures,
  scaleFeatures,
} from "./features.ts";
export {
  aggregate,
  BIN_MINUTES,
  BINS,
  BLOCK,
  blockMinutes,
  knownAt,
  knownBin,
  LATE_MINUTES,
  LiveAccumulator,
  type LiveAt,
  type LiveFact,
  type LiveValue,
  LiveValueSchema,
  liveAt,
} from "./live.ts";
export { FEATURE_NAMES, type FeatureName, STATIC_FEATURE_NAMES } from "./names.ts";
export {
  type FlightsContextParams,
  FlightsContextParamsSchema,
  type FlightsParams,
  FlightsParamsSchema,
} from "./params.ts";
export { dayOfWeek, daysInMonth, type FlightQuery, MAX_DISTANCE_MILES, parseFlight } from "./query.ts";
export { type FlightStreamEvent, flightStreamEvent } from "./stream.ts";
