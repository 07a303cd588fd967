/**
 * Flights delay model: the one preprocessing module shared by the trainer (Node) and the
 * Worker. Runtime-agnostic (no node:*, no Hono, no cloudflare:*).
 *
 *   const q = parseFlight(row, "instances[0]");          // validate raw fields (400 on error)
 *   const keys = contextKeys(q);                          // 5 KV keys; dedupe across a batch
 *   const { features, missing, context } = buildFeatures(q, (k) => values.get(k), params);
 *
 * `params` come from the manifest: `FlightsParamsSchema.parse(manifest.preprocess.params)`.
 */
export { parseFlight, dayOfWeek, daysInMonth, MAX_DISTANCE_MILES, type FlightQuery } from "./query.ts";
export {
  KV,
  AirportValueSchema,
  RouteValueSchema,
  CongestionValueSchema,
  contextKeys,
  readValue,
  lookupFromEntries,
  usDaylightSaving,
  utcOffsetOn,
  type AirportValue,
  type RouteValue,
  type CongestionValue,
  type ContextLookup,
} from "./context.ts";
export { FEATURE_NAMES, REQUEST_FEATURE_NAMES, type FeatureName } from "./names.ts";
export {
  FlightsParamsSchema,
  FlightsContextParamsSchema,
  type FlightsParams,
  type FlightsContextParams,
} from "./params.ts";
export {
  rawFeatures,
  scaleFeatures,
  buildFeatures,
  type FeatureResult,
  type ContextUsed,
  type AirportUsed,
  type CongestionUsed,
  type Counts,
} from "./features.ts";
