/**
 * One notion of time for context values (docs/context-time.md): `as_of` is when a prediction is
 * made, `updated_at` (inside a stored value) is when its facts became known. A value is used at
 * `as_of` only if it was known by then; `max_age_s` bounds how old it may be.
 */

/** Epoch milliseconds of an ISO 8601 instant with `Z` or an offset; undefined for anything else. */
export function parseInstant(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = "0", frac = "", zone = "Z"] = match;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59)
    return undefined;
  const local = Date.UTC(
    Number(y),
    month - 1,
    day,
    Number(h),
    Number(mi),
    Number(s),
    Math.floor(Number(`0${frac || ".0"}`) * 1000),
  );
  if (new Date(local).getUTCDate() !== day) return undefined; // 2001-02-30 and the like
  if (zone === "Z") return local;
  const sign = zone.startsWith("-") ? -1 : 1;
  const offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return local - offsetMinutes * 60_000;
}

/** An instant as ISO 8601 UTC, whole seconds without ".000" ("2001-06-16T07:00:00Z"): how stored values say `updated_at`. */
export const formatInstant = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");

export type Freshness = "present" | "stale" | "future";

/**
 * Whether a value known at `updatedAt` may be used at `asOf` (all epoch ms): `future` when it was
 * not yet known (never used: point-in-time correctness), `stale` when older than `maxAgeS`.
 */
export function freshness(value: { updatedAt: number; asOf: number; maxAgeS?: number }): Freshness {
  if (value.updatedAt > value.asOf) return "future";
  if (value.maxAgeS !== undefined && value.asOf - value.updatedAt > value.maxAgeS * 1000) return "stale";
  return "present";
}
