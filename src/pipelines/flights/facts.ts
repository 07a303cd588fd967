/**
 * One flight as the two airport-days it touches see it: a departure at the origin on its local
 * departure date, an arrival at the destination on the local date of its estimated scheduled
 * arrival. Used by the offline builder (model/flights/context.ts), the ingestion endpoint and the
 * replay tool, so a replayed day aggregates to the very values the builder writes.
 *
 * Clocks: `departure` is local minutes at the origin (as-of.ts); outcome times are UTC epoch
 * minutes; the facts carry them as minutes since their airport's local midnight (live.ts).
 */

import { localText } from "./as-of.ts";
import { type AirportValue, KV, utcOffsetOn } from "./context.ts";
import { BLOCK, blockMinutes, LATE_MINUTES, type LiveFact } from "./live.ts";

export type Zone = Pick<AirportValue, "utc_offset" | "dst">;

export interface Flight {
  origin: string;
  destination: string;
  /** Scheduled departure, local minutes at the origin. */
  departure: number;
  distance: number;
  /** Landing known at `at` (UTC epoch minutes) with this arrival delay (minutes). */
  arrived?: { at: number; delay: number };
  /** Cancellation known at `at` (UTC epoch minutes). */
  cancelled?: { at: number };
}

export interface AirportDayFact {
  /** The cong: key of the airport-day. */
  key: string;
  /** That airport's local midnight of that date, in UTC epoch minutes. */
  midnight: number;
  fact: LiveFact;
}

const ymd = (localMinutes: number) => {
  const d = new Date(localMinutes * 60_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

/** Offset (hours) of an airport on the local date containing `localMinutes`. */
const offsetAt = (zone: Zone, localMinutes: number) => utcOffsetOn(zone, ymd(localMinutes));

/**
 * When a historical flight's arrival delay counts as known (UTC epoch minutes): its estimated
 * landing, scheduled departure + block time + safety margin + delay (the data has no times).
 */
export function estimatedKnownAt(f: Pick<Flight, "departure" | "distance">, origin: Zone, delay: number): number {
  const departureUtc = f.departure - offsetAt(origin, f.departure) * 60;
  return departureUtc + blockMinutes(f.distance) + BLOCK.margin + delay;
}

/** The origin's and the destination's fact of one flight. */
export function flightFacts(f: Flight, origin: Zone, destination: Zone): [AirportDayFact, AirportDayFact] {
  const offO = offsetAt(origin, f.departure);
  const dayO = Math.floor(f.departure / 1440) * 1440;
  // The destination's clock is aligned with the zones of the departure date (as features.ts does).
  const arrivalLocal = f.departure + blockMinutes(f.distance) + (offsetAt(destination, f.departure) - offO) * 60;
  const dayD = Math.floor(arrivalLocal / 1440) * 1440;
  const midnightO = dayO - offO * 60;
  const midnightD = dayD - offsetAt(destination, dayD) * 60;
  const fact = (kind: "dep" | "arr", hour: number, midnight: number): LiveFact => {
    const out: LiveFact = { kind, hour };
    if (f.cancelled) out.cancelled = { at: f.cancelled.at - midnight };
    else if (f.arrived) out.settled = { at: f.arrived.at - midnight, late: f.arrived.delay > LATE_MINUTES };
    return out;
  };
  return [
    {
      key: KV.congestion(f.origin, localText(dayO).slice(0, 10)),
      midnight: midnightO,
      fact: fact("dep", Math.floor((f.departure - dayO) / 60), midnightO),
    },
    {
      key: KV.congestion(f.destination, localText(dayD).slice(0, 10)),
      midnight: midnightD,
      fact: fact("arr", Math.floor((arrivalLocal - dayD) / 60), midnightD),
    },
  ];
}
