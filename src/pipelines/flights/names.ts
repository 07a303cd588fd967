/**
 * The model's feature vector, in order. Changing it means retraining: the manifest stores
 * these names and `FlightsParamsSchema` rejects a manifest whose names differ.
 */
export const FEATURE_NAMES = [
  // From the request alone.
  "distance_log", // ln(distance in miles)
  "dep_time_sin", // sin(2π · local departure time of day / 24 h)
  "dep_time_cos", // cos(2π · local departure time of day / 24 h)
  "dow_mon", // one-hot day of week of the local departure date
  "dow_tue",
  "dow_wed",
  "dow_thu",
  "dow_fri",
  "dow_sat",
  "dow_sun",
  // Airport and route history (KV ap:, route:; Jan–Mar).
  "origin_late_rate",
  "origin_volume_log", // ln(1 + departures Jan–Mar)
  "origin_lat",
  "origin_lon",
  "dest_late_rate",
  "dest_volume_log",
  "dest_lat",
  "dest_lon",
  "route_late_rate", // shrunk toward the origin's rate; the origin's rate when the route is absent
  // Prediction time: scheduled departure - as_of, in hours, capped at 3 (the range trained on).
  "lead_hours",
  // Same-day live context as of `as_of` (KV cong:, live.ts): only facts known by then. W = window_hours.
  "origin_recent_late_rate", // departures from the origin whose outcome became known in (as_of - W, as_of], late share shrunk toward origin_late_rate
  "origin_recent_flights_log", // ln(1 + that count)
  "origin_today_late_rate", // the same since local midnight
  "origin_today_flights_log",
  "origin_inbound_late_rate", // arrivals at the origin whose outcome became known in (as_of - W, as_of]
  "origin_inbound_flights_log",
  "origin_sched_dep_log", // ln(1 + departures scheduled at the origin in the flight's local hour): known in advance
  "origin_sched_arr_log", // ln(1 + arrivals scheduled at the origin in that hour)
  "dest_recent_late_rate", // the same eight at the destination, its local clock; schedule at the estimated arrival hour
  "dest_recent_flights_log",
  "dest_today_late_rate",
  "dest_today_flights_log",
  "dest_inbound_late_rate",
  "dest_inbound_flights_log",
  "dest_sched_dep_log",
  "dest_sched_arr_log",
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Request features plus the static airport and route history: the ablation's inputs (no live context, no lead). */
export const STATIC_FEATURE_NAMES: readonly FeatureName[] = FEATURE_NAMES.slice(0, 19);
