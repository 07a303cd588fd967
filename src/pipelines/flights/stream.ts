/**
 * Flights' live context in the declared form (docs/streams.md, "Flights in the declared form"):
 * the flat event a feed sends to `POST /v2/streams/flights/events` for one flight event, given the
 * airports' zones. The declaration it feeds is model/flights/stream.json.
 *
 * What the declared form cannot do itself is done here, by the feed, with the plug-in's own code
 * (facts.ts): the airport-days a flight touches (the origin's local departure date, the
 * destination's local date of the estimated arrival) and the local scheduled hours, which need the
 * airports' zones (ap: values), and whether an arrival is late. Everything else, counting in time
 * windows known as of a request, is the declared stream's.
 *
 *   {"id": "2001-row-7:arrived", "time": "2001-06-15T17:42:00.000Z", "type": "arrived",
 *    "origin": "SFO", "dep_day": "2001-06-15", "dep_hour": 8,
 *    "destination": "ORD", "arr_day": "2001-06-15", "arr_hour": 14, "late": true, "delay": 23}
 */
import { departureMinutes } from "./as-of.ts";
import type { FlightEvent } from "./events.ts";
import { type Flight, flightFacts, type Zone } from "./facts.ts";
import { LATE_MINUTES } from "./live.ts";

export interface FlightStreamEvent {
  id: string;
  time: string;
  type: FlightEvent["type"];
  origin: string;
  dep_day: string;
  dep_hour: number;
  destination: string;
  arr_day: string;
  arr_hour: number;
  late?: boolean;
  delay?: number;
}

/** The stream event of one flight event (the same id and time). */
export function flightStreamEvent(e: FlightEvent, origin: Zone, destination: Zone): FlightStreamEvent {
  const flight: Flight = {
    origin: e.flight.origin,
    destination: e.flight.destination,
    departure: departureMinutes(e.flight),
    distance: e.flight.distance,
  };
  // The keys and hours only: the outcome is the event's own (its time, its delay).
  const [dep, arr] = flightFacts(flight, origin, destination);
  const day = (key: string) => key.slice(key.lastIndexOf(":") + 1);
  const out: FlightStreamEvent = {
    id: e.id,
    time: new Date(e.time).toISOString(),
    type: e.type,
    origin: flight.origin,
    dep_day: day(dep.key),
    dep_hour: dep.fact.hour,
    destination: flight.destination,
    arr_day: day(arr.key),
    arr_hour: arr.fact.hour,
  };
  if (e.type === "arrived") {
    out.delay = e.delay ?? 0;
    out.late = out.delay > LATE_MINUTES;
  }
  return out;
}
