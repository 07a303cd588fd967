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

/** One lookup's record: present, or missing when the row defaulted its key. */
function lookupRecord(missing: readonly string[], lookup: string, key: string, updated_at?: string): LookupRecord {
  const absent = missing.includes(key);
  return { lookup, key, status: absent ? "missing" : "present", updated_at: absent ? null : (updated_at ?? null) };
}

export function flightRows(queries: readonly FlightQuery[], rows: readonly FeatureResult[], lookup: ContextLookup) {
  return (): RowContext[] => {
    // Rows sharing an as_of and an origin offset share its instant (written once per request).
    const instants = new Map<string, string | null>();
    return rows.map((r, i) => {
      const q = queries[i]!;
      const m = r.missing;
      const airport = readValue(lookup, KV.airport(q.origin), AirportValueSchema);
      let asOf: string | null = null;
      if (airport) {
        const offset = utcOffsetOn(airport, q);
        const memo = `${r.context.as_of} ${offset}`;
        asOf = instants.get(memo) ?? instant(r.context.as_of, offset);
        instants.set(memo, asOf);
      }
      return {
        // Without the origin's time zone the local as_of cannot be placed in UTC.
        as_of: asOf,
        lookups: [
          lookupRecord(m, "origin", KV.airport(q.origin)),
          lookupRecord(m, "destination", KV.airport(q.destination)),
          lookupRecord(m, "route", KV.route(q.origin, q.destination)),
          lookupRecord(m, "origin_live", KV.congestion(q.origin, q.date), r.context.origin_live.updated_at),
          lookupRecord(
            m,
            "destination_live",
            KV.congestion(q.destination, q.date),
            r.context.destination_live.updated_at,
          ),
        ],
      };
    });
  };
}
