/**
 * The raw request of the flights model and its validation.
 *
 * A client sends only what it knows about a flight:
 *   { "origin": "SFO", "destination": "LAX", "departure": "2001-06-15T08:30", "distance": 337 }
 * - origin / destination: 3-letter IATA airport codes. Lower case is accepted and normalised
 *   to upper case ("sfo" -> "SFO"); anything else (digits, spaces, other lengths) is rejected.
 * - departure: scheduled departure as LOCAL wall time at the origin, exactly `YYYY-MM-DDTHH:MM`
 *   (no seconds, no zone), and a real calendar date.
 * - distance: great-circle distance in miles, a finite number > 0 and at most 12,500.
 */
import { describeValue, invalidInput } from "../../core/errors.ts";

export interface FlightQuery {
  origin: string;
  destination: string;
  /** Normalised `YYYY-MM-DDTHH:MM` (local wall time at the origin). */
  departure: string;
  /** `YYYY-MM-DD` part of `departure`. */
  date: string;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Monday … 6 = Sunday. */
  dayOfWeek: number;
  /** Miles. */
  distance: number;
}

export const MAX_DISTANCE_MILES = 12_500;

const CODE = /^[A-Za-z]{3}$/;
const DEPARTURE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** 0 = Monday … 6 = Sunday, for a valid calendar date. */
export function dayOfWeek(year: number, month: number, day: number): number {
  // Date.UTC is pure arithmetic here (no clock, no zone).
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}

function airportCode(value: unknown, path: string): string {
  if (typeof value !== "string" || !CODE.test(value)) {
    throw invalidInput(`${path}: expected a 3-letter IATA airport code, got ${describeValue(value)}`);
  }
  return value.toUpperCase();
}

function departureTime(value: unknown, path: string) {
  const expected = `${path}: expected a local departure time "YYYY-MM-DDTHH:MM"`;
  if (typeof value !== "string") throw invalidInput(`${expected}, got ${describeValue(value)}`);
  const m = DEPARTURE.exec(value);
  if (!m) throw invalidInput(`${expected}, got ${describeValue(value)}`);
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw invalidInput(`${expected} with a real calendar date, got ${describeValue(value)}`);
  }
  if (hour > 23 || minute > 59) {
    throw invalidInput(`${expected} with hours 00-23 and minutes 00-59, got ${describeValue(value)}`);
  }
  return { year, month, day, hour, minute, date: value.slice(0, 10) };
}

function distanceMiles(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_DISTANCE_MILES) {
    throw invalidInput(
      `${path}: expected a distance in miles, a number > 0 and <= ${MAX_DISTANCE_MILES}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * Validates one raw flight. `where` prefixes every error message (e.g. "instances[0]"),
 * so the caller decides how the path reads; errors are `invalidInput` (400).
 */
export function parseFlight(row: unknown, where = "instance"): FlightQuery {
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    throw invalidInput(
      `${where}: expected an object with origin, destination, departure and distance, got ${describeValue(row)}`,
    );
  }
  const r = row as Record<string, unknown>;
  const origin = airportCode(r.origin, `${where}.origin`);
  const destination = airportCode(r.destination, `${where}.destination`);
  if (origin === destination) {
    throw invalidInput(
      `${where}.destination: expected an airport other than the origin, got the string "${destination}"`,
    );
  }
  const t = departureTime(r.departure, `${where}.departure`);
  const distance = distanceMiles(r.distance, `${where}.distance`);
  return {
    origin,
    destination,
    departure: r.departure as string,
    date: t.date,
    year: t.year,
    month: t.month,
    day: t.day,
    hour: t.hour,
    minute: t.minute,
    dayOfWeek: dayOfWeek(t.year, t.month, t.day),
    distance,
  };
}
