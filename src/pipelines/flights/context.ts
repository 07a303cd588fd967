/**
 * The KV context of the flights model: key layout, value schemas, and reading a value
 * defensively (absent or malformed both count as missing).
 *
 * Keys (values are JSON strings, as `wrangler kv bulk put` takes them):
 *   ap:SFO                 -> {"lat":37.62,"lon":-122.37,"utc_offset":-8,"dst":true,"late_rate":0.2,"flights":30123}
 *   route:SFO-LAX          -> {"late_rate":0.23,"flights":1520}
 *   cong:SFO:2001-06-15    -> {"updated_at":"…","dep":[24 ints],"arr":[24 ints],"dep_settled":[[bin,n,late],…],…}
 * - ap: location, time zone (2001 rules), and the airport's late rate and departures Jan–Mar.
 * - route: late rate Jan–Mar, already shrunk toward the origin's rate; small routes are absent.
 * - cong: that day at that airport, point in time: the schedule per local hour, and outcomes
 *   binned by the time they became known, so one value answers every `as_of` of the day
 *   without showing later outcomes (live.ts).
 */
import * as z from "zod";
import { parseInstant } from "../../core/context/time.ts";
import { isAirportValue, isCongestionValue, isRouteValue } from "./fast-values.ts";
import type { FlightQuery } from "./query.ts";

export const KV = {
  airport: (code: string) => `ap:${code}`,
  route: (origin: string, destination: string) => `route:${origin}-${destination}`,
  congestion: (code: string, date: string) => `cong:${code}:${date}`,
} as const;

const Rate = z.number().min(0).max(1);
const Count = z.number().int().min(0);

export const AirportValueSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  /** Standard-time offset from UTC in hours (e.g. -8 for Pacific). */
  utc_offset: z.number().min(-12).max(14),
  /** Whether the airport observes US daylight saving time. */
  dst: z.boolean(),
  late_rate: Rate,
  flights: Count,
});
export type AirportValue = z.infer<typeof AirportValueSchema>;

export const RouteValueSchema = z.object({ late_rate: Rate, flights: Count });
export type RouteValue = z.infer<typeof RouteValueSchema>;

import { LiveValueSchema } from "./live.ts";

export { type LiveValue as CongestionValue, LiveValueSchema as CongestionValueSchema } from "./live.ts";

/** The hand-written checks of well-formed values (./fast-values.ts), by schema; zod decides the rest. */
const FAST = new Map<unknown, (value: unknown) => boolean>([
  [AirportValueSchema, isAirportValue],
  [RouteValueSchema, isRouteValue],
  [LiveValueSchema, isCongestionValue],
]);

/**
 * Looks a context value up by key; `undefined` when absent. Values may be JSON strings or parsed.
 * `validated`, when present, memoises `readValue` per key for one batch (a key always has one
 * schema), so a batch of rows sharing airports validates each value once.
 */
export interface ContextLookup {
  (key: string): unknown | undefined;
  validated?: Map<string, unknown>;
  /** `instantOf`'s memo for one batch: each `updated_at` text parsed once, not once per row. */
  instants?: Map<string, number | undefined>;
}

/** A lookup over a batch's values that validates each key, and parses each `updated_at`, at most once. */
export function batchLookup(values: ReadonlyMap<string, unknown>): ContextLookup {
  return Object.assign((key: string) => values.get(key), {
    validated: new Map<string, unknown>(),
    instants: new Map<string, number | undefined>(),
  });
}

/** `parseInstant` of a value's `updated_at`, once per distinct text in a batch lookup. */
export function instantOf(ctx: ContextLookup, text: string): number | undefined {
  const memo = ctx.instants;
  if (!memo) return parseInstant(text);
  if (memo.has(text)) return memo.get(text);
  const ms = parseInstant(text);
  memo.set(text, ms);
  return ms;
}

/** The KV keys one flight needs (5, in a fixed order). A batch should dedupe them. */
export function contextKeys(q: FlightQuery): string[] {
  return [
    KV.airport(q.origin),
    KV.airport(q.destination),
    KV.route(q.origin, q.destination),
    KV.congestion(q.origin, q.date),
    KV.congestion(q.destination, q.date),
  ];
}

/** Reads and validates one value; absent, unparsable or schema-violating values give `undefined`. */
export function readValue<T>(ctx: ContextLookup, key: string, schema: z.ZodType<T>): T | undefined {
  if (ctx.validated?.has(key)) return ctx.validated.get(key) as T | undefined;
  const result = validate(ctx(key), schema);
  ctx.validated?.set(key, result);
  return result;
}

function validate<T>(raw: unknown, schema: z.ZodType<T>): T | undefined {
  let value = raw;
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (FAST.get(schema)?.(value)) return value as T;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** A lookup over `[{key, value}]` entries (the committed context file format); validates each key once. */
export function lookupFromEntries(entries: Iterable<{ key: string; value: unknown }>): ContextLookup {
  const map = new Map<string, unknown>();
  for (const e of entries) map.set(e.key, e.value);
  return batchLookup(map);
}

/** The nth (1-based) given weekday (0 = Sunday) of a month, or the last one when n = -1. */
/** Day of the week (0 = Sunday) of a Gregorian date, by arithmetic (Sakamoto): no Date per call. */
function weekday(year: number, month: number, day: number): number {
  const y = month < 3 ? year - 1 : year;
  const t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4][month - 1]!;
  return (y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + t + day) % 7;
}

const daysIn = (year: number, month: number) =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/** Day of the month of the n-th Sunday (n > 0) or of the last Sunday (n < 0); every flight row asks. */
function nthSunday(year: number, month: number, n: number): number {
  if (n > 0) return 1 + ((7 - weekday(year, month, 1)) % 7) + 7 * (n - 1);
  const lastDay = daysIn(year, month);
  return lastDay - weekday(year, month, lastDay);
}

/**
 * Whether US daylight saving time is in effect on a local date (date-level: the 02:00
 * switch is ignored). Rules: 1987–2006 first Sunday of April to last Sunday of October;
 * from 2007 second Sunday of March to first Sunday of November.
 */
export function usDaylightSaving(year: number, month: number, day: number): boolean {
  const [startMonth, startDay, endMonth, endDay] =
    year >= 2007
      ? [3, nthSunday(year, 3, 2), 11, nthSunday(year, 11, 1)]
      : [4, nthSunday(year, 4, 1), 10, nthSunday(year, 10, -1)];
  const v = month * 100 + day;
  return v >= startMonth * 100 + startDay && v < endMonth * 100 + endDay;
}

/** UTC offset in hours of an airport on a local date. */
export function utcOffsetOn(
  ap: Pick<AirportValue, "utc_offset" | "dst">,
  q: Pick<FlightQuery, "year" | "month" | "day">,
): number {
  return ap.utc_offset + (ap.dst && usDaylightSaving(q.year, q.month, q.day) ? 1 : 0);
}
