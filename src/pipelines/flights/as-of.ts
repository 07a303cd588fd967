/**
 * The prediction time of a flights request (`as_of`, docs/context-time.md): either the origin's
 * local wall time "YYYY-MM-DDTHH:MM" (the departure is local too) or an ISO 8601 instant with `Z`
 * or an offset. Without it the documented default applies: the start of the departure's local
 * hour. It may not be after the scheduled departure (400 naming the field).
 *
 * Times are handled as "local minutes": minutes since 1970-01-01T00:00 of the origin's wall clock
 * read as if UTC (pure arithmetic, no zone database), as the departure itself.
 */
import { parseInstant } from "../../core/context/time.ts";
import { describeValue, invalidInput } from "../../core/errors.ts";
import type { FlightQuery } from "./query.ts";

export type AsOf =
  | { kind: "local"; minutes: number; text: string; field: string }
  | { kind: "instant"; ms: number; text: string; field: string };

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Parses `as_of` (`field` names it in errors: "as_of", "parameters.as_of"); undefined when absent. */
export function parseAsOf(value: unknown, field: string): AsOf | undefined {
  if (value === undefined || value === null) return undefined;
  const expected = `${field}: expected the prediction time, an ISO 8601 instant ("2001-06-15T15:30:00Z") or the origin's local time "YYYY-MM-DDTHH:MM"`;
  if (typeof value !== "string") throw invalidInput(`${expected}, got ${describeValue(value)}`);
  const m = LOCAL.exec(value);
  if (m) {
    const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
    const ms = Date.UTC(y, mo - 1, d, h, mi);
    const back = new Date(ms);
    if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1 || h > 23 || mi > 59)
      throw invalidInput(`${expected} with a real date and time, got ${describeValue(value)}`);
    return { kind: "local", minutes: ms / 60_000, text: value, field };
  }
  const ms = parseInstant(value);
  if (ms === undefined) throw invalidInput(`${expected}, got ${describeValue(value)}`);
  return { kind: "instant", ms, text: value, field };
}

/** The departure in local minutes. */
export const departureMinutes = (q: FlightQuery) => Date.UTC(q.year, q.month - 1, q.day, q.hour, q.minute) / 60_000;

/** Local midnight of the departure's date, in local minutes. */
export const midnightMinutes = (q: FlightQuery) => Date.UTC(q.year, q.month - 1, q.day) / 60_000;

/** "YYYY-MM-DDTHH:MM" of local minutes. */
export const localText = (minutes: number) => new Date(minutes * 60_000).toISOString().slice(0, 16);

/**
 * The prediction time of one flight in the origin's local minutes. `originOffsetHours` (the
 * origin's UTC offset that day) is needed only for an instant; without it an instant cannot be
 * placed (400). `row` names the flight in errors.
 */
export function resolveAsOf(
  q: FlightQuery,
  asOf: AsOf | undefined,
  originOffsetHours: number | undefined,
  row: string,
): number {
  const departure = departureMinutes(q);
  if (!asOf) return departure - q.minute; // the start of the departure hour
  let minutes: number;
  if (asOf.kind === "local") minutes = asOf.minutes;
  else if (originOffsetHours === undefined) {
    throw invalidInput(
      `${asOf.field}: an ISO instant needs the time zone of ${row}'s origin ${q.origin}, which is not in the context; send the origin's local time "YYYY-MM-DDTHH:MM" instead, got ${describeValue(asOf.text)}`,
    );
  } else minutes = asOf.ms / 60_000 + originOffsetHours * 60;
  if (minutes > departure) {
    throw invalidInput(
      `${asOf.field}: expected a prediction time not after the scheduled departure of ${row} (${q.departure} local at ${q.origin}), got ${describeValue(asOf.text)} (${localText(Math.floor(minutes))} local)`,
    );
  }
  return minutes;
}
