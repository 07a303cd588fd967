/**
 * The flights pipeline's rows for the prediction log (core/monitoring/capture.ts): each row's
 * as_of as a UTC instant and its five lookups with their status and updated_at. Computed from
 * what the batch already read and built, and only when the request is logged.
 */
import type { RowContext } from "../../core/monitoring/capture.ts";
import type { LookupRecord } from "../../core/monitoring/record.ts";
import { AirportValueSchema, type ContextLookup, KV, readValue, utcOffsetOn } from "./context.ts";
import type { FeatureResult } from "./features.ts";
import type { FlightQuery } from "./query.ts";

/** `YYYY-MM-DDTHH:MM` local wall time at an airport with `offset` hours from UTC, as an ISO instant. */
function instant(local: string, offset: number): string | null {
  const ms = Date.parse(`${local}:00Z`);
  return Number.isNaN(ms) ? null : new Date(ms - offset * 3_600_000).toISOString();
}

export function flightRows(queries: readonly FlightQuery[], rows: readonly FeatureResult[], lookup: ContextLookup) {
  return (): RowContext[] =>
    rows.map((r, i) => {
      const q = queries[i]!;
      const missing = new Set(r.missing);
      const one = (name: string, key: string, updated_at?: string): LookupRecord => ({
        lookup: name,
        key,
        status: missing.has(key) ? "missing" : "present",
        updated_at: missing.has(key) ? null : (updated_at ?? null),
      });
      const airport = readValue(lookup, KV.airport(q.origin), AirportValueSchema);
      return {
        // Without the origin's time zone the local as_of cannot be placed in UTC.
        as_of: airport ? instant(r.context.as_of, utcOffsetOn(airport, q)) : null,
        lookups: [
          one("origin", KV.airport(q.origin)),
          one("destination", KV.airport(q.destination)),
          one("route", KV.route(q.origin, q.destination)),
          one("origin_live", KV.congestion(q.origin, q.date), r.context.origin_live.updated_at),
          one("destination_live", KV.congestion(q.destination, q.date), r.context.destination_live.updated_at),
        ],
      };
    });
}
