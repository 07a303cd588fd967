/**
 * Hand-written checks of well-formed flights context values (ap:, route:, cong:), so a request
 * does not run zod's interpreter over every value it reads (on Workers zod cannot compile its
 * validators; the congestion schema walks 4 x 24 counts and two refinements). Each check answers
 * `true` only for a value the zod schema in ./context.ts accepts unchanged: exactly the schema's
 * fields (zod would strip others), finite numbers in range, safe non-negative integer counts.
 * Anything else goes to zod (readValue), which decides as before.
 */

import { parseInstant } from "../../core/context/time.ts";
import { BINS } from "./live.ts";

type Fields = Record<string, unknown>;

function exactly(value: unknown, fields: readonly string[]): value is Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(value);
  return keys.length === fields.length && fields.every((f) => keys.includes(f));
}

const within = (v: unknown, lo: number, hi: number) => typeof v === "number" && v >= lo && v <= hi;
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

const AIRPORT = ["lat", "lon", "utc_offset", "dst", "late_rate", "flights"] as const;
export function isAirportValue(v: unknown): boolean {
  return (
    exactly(v, AIRPORT) &&
    within(v.lat, -90, 90) &&
    within(v.lon, -180, 180) &&
    within(v.utc_offset, -12, 14) &&
    typeof v.dst === "boolean" &&
    within(v.late_rate, 0, 1) &&
    isCount(v.flights)
  );
}

const ROUTE = ["late_rate", "flights"] as const;
export function isRouteValue(v: unknown): boolean {
  return exactly(v, ROUTE) && within(v.late_rate, 0, 1) && isCount(v.flights);
}

function isHours(v: unknown): v is number[] {
  return Array.isArray(v) && v.length === 24 && v.every(isCount);
}

const isBin = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < BINS;

/** `[[bin, flights, late], …]` with late <= flights in every bin. */
function isSettled(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.every((t) => Array.isArray(t) && t.length === 3 && isBin(t[0]) && isCount(t[1]) && isCount(t[2]) && t[2] <= t[1])
  );
}

/** `[[bin, cancelled], …]`. */
function isCancelled(v: unknown): boolean {
  return Array.isArray(v) && v.every((t) => Array.isArray(t) && t.length === 2 && isBin(t[0]) && isCount(t[1]));
}

const CONGESTION = [
  "updated_at",
  "dep",
  "arr",
  "dep_settled",
  "arr_settled",
  "dep_cancelled",
  "arr_cancelled",
] as const;
export function isCongestionValue(v: unknown): boolean {
  if (!exactly(v, CONGESTION)) return false;
  return (
    parseInstant(v.updated_at) !== undefined &&
    isHours(v.dep) &&
    isHours(v.arr) &&
    isSettled(v.dep_settled) &&
    isSettled(v.arr_settled) &&
    isCancelled(v.dep_cancelled) &&
    isCancelled(v.arr_cancelled)
  );
}
