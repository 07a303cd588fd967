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
  // Same-day congestion (KV cong:), only local hours strictly before the flight's hour h.
  "origin_recent_late_rate", // departures in [h-W, h) that were late, shrunk toward origin_late_rate
  "origin_recent_flights_log", // ln(1 + departures in [h-W, h))
  "origin_today_late_rate", // departures in [0, h), shrunk likewise
  "origin_today_flights_log",
  "origin_inbound_late_rate", // arrivals scheduled in [h-W, h) that were late, shrunk likewise
  "origin_inbound_flights_log",
  "dest_recent_late_rate", // the same six at the destination, in the destination's local hours
  "dest_recent_flights_log",
  "dest_today_late_rate",
  "dest_today_flights_log",
  "dest_inbound_late_rate",
  "dest_inbound_flights_log",
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** The features computed from the request alone (no KV context): the ablation's inputs. */
export const REQUEST_FEATURE_NAMES: readonly FeatureName[] = FEATURE_NAMES.slice(0, 10);
