/**
 * Flight events of the ingestion path (POST /ingest/flights/events): what an operations feed
 * sends, validated, and turned into updates of the two airport-day values a flight touches
 * (facts.ts), so the live KV values come from the same code as the offline builder's.
 *
 *   {"events": [{"id": "e-1", "type": "arrived", "time": "2001-06-15T17:42:00Z", "delay": 23,
 *                "flight": {"id": "UA123-2001-06-15", "origin": "SFO", "destination": "ORD",
 *                           "departure": "2001-06-15T08:30", "distance": 1846}}]}
 *
 * - `id`: the event's id; an event seen before (same id) changes nothing (retries, replays).
 * - `type`: `scheduled` (the flight exists: counts in the schedule), `departed` (recorded, not
 *   yet a feature: the 2001 data has no departure times), `arrived` (with `delay`, the arrival
 *   delay in minutes: the outcome, known from `time`), `cancelled` (known from `time`; wins over
 *   an arrival).
 * - `time`: an ISO 8601 instant: when the event happened, i.e. when its fact became known.
 * - `flight`: the flight's id and the request fields of the model (departure: local at the origin).
 */
import * as z from "zod";
import { parseInstant } from "../../core/context/time.ts";
import { describeValue, invalidInput } from "../../core/errors.ts";
import { departureMinutes } from "./as-of.ts";
import { type AirportDayFact, type Flight, flightFacts, type Zone } from "./facts.ts";
import type { LiveFact } from "./live.ts";
import { type FlightQuery, parseFlight } from "./query.ts";

export const EVENT_TYPES = ["scheduled", "departed", "arrived", "cancelled"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Events in one request. */
export const MAX_EVENTS = 1000;

export interface FlightEvent {
  id: string;
  type: EventType;
  /** Epoch ms of `time`. */
  time: number;
  flightId: string;
  flight: FlightQuery;
  delay?: number;
}

/** One update of one airport-day value (sent to its Durable Object). */
export interface FactUpdate {
  eventId: string;
  factId: string;
  /** Epoch ms when the fact became known. */
  time: number;
  fact: LiveFact;
}

const Id = z.string().min(1).max(200);

/** Validates a request body of events; 400 naming `events[i].field`, what was expected and what came. */
export function parseEvents(body: unknown): FlightEvent[] {
  const where = "events";
  const events = (body as { events?: unknown } | null)?.events;
  if (body === null || typeof body !== "object" || Array.isArray(body) || !Array.isArray(events))
    throw invalidInput(`${where}: expected {"events": [ … ]}, got ${describeValue(events ?? body)}`);
  if (events.length === 0 || events.length > MAX_EVENTS)
    throw invalidInput(`${where}: expected 1 to ${MAX_EVENTS} events, got ${events.length}`);
  return events.map((raw, i) => parseEvent(raw, `${where}[${i}]`));
}

function parseEvent(raw: unknown, at: string): FlightEvent {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw invalidInput(`${at}: expected an event object, got ${describeValue(raw)}`);
  const e = raw as Record<string, unknown>;
  if (!Id.safeParse(e.id).success)
    throw invalidInput(`${at}.id: expected a string of 1-200 characters, got ${describeValue(e.id)}`);
  if (!EVENT_TYPES.includes(e.type as EventType))
    throw invalidInput(`${at}.type: expected one of ${EVENT_TYPES.join(", ")}, got ${describeValue(e.type)}`);
  const time = parseInstant(e.time);
  if (time === undefined)
    throw invalidInput(
      `${at}.time: expected an ISO 8601 instant ("2001-06-15T17:42:00Z"), got ${describeValue(e.time)}`,
    );
  const f = e.flight as Record<string, unknown> | undefined;
  if (f === null || typeof f !== "object" || Array.isArray(f))
    throw invalidInput(
      `${at}.flight: expected an object with id, origin, destination, departure and distance, got ${describeValue(f)}`,
    );
  if (!Id.safeParse(f.id).success)
    throw invalidInput(`${at}.flight.id: expected a string of 1-200 characters, got ${describeValue(f.id)}`);
  const flight = parseFlight(f, `${at}.flight`);
  const event: FlightEvent = { id: e.id as string, type: e.type as EventType, time, flightId: f.id as string, flight };
  if (e.type === "arrived") {
    if (typeof e.delay !== "number" || !Number.isFinite(e.delay) || Math.abs(e.delay) > 2880)
      throw invalidInput(
        `${at}.delay: expected the arrival delay in minutes (-2880..2880), got ${describeValue(e.delay)}`,
      );
    event.delay = e.delay;
  }
  return event;
}

/** The ap: keys whose zones the events need. */
export const zoneCodes = (events: readonly FlightEvent[]) => [
  ...new Set(events.flatMap((e) => [e.flight.origin, e.flight.destination])),
];

/** The updates of the origin's and the destination's airport-day an event makes. */
export function eventUpdates(e: FlightEvent, origin: Zone, destination: Zone): Array<AirportDayFact & FactUpdate> {
  const flight: Flight = {
    origin: e.flight.origin,
    destination: e.flight.destination,
    departure: departureMinutes(e.flight),
    distance: e.flight.distance,
  };
  if (e.type === "arrived") flight.arrived = { at: e.time / 60_000, delay: e.delay ?? 0 };
  if (e.type === "cancelled") flight.cancelled = { at: e.time / 60_000 };
  return flightFacts(flight, origin, destination).map((f) => ({
    ...f,
    eventId: e.id,
    factId: e.flightId,
    time: e.time,
  }));
}

/** A flight's fact after an update: schedule from either, outcomes kept once known, cancellation wins. */
export function mergeFact(current: LiveFact | undefined, update: LiveFact): LiveFact {
  const out: LiveFact = { kind: update.kind, hour: update.hour };
  const settled = update.settled ?? current?.settled;
  const cancelled = update.cancelled ?? current?.cancelled;
  if (settled) out.settled = settled;
  if (cancelled) out.cancelled = cancelled;
  return out;
}
