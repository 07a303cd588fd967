/**
 * Flights' outcomes come from the ingestion feed itself (docs/monitoring.md, "Outcomes"): every
 * `arrived` event is the outcome of that flight's predictions, with no extra call. The label is
 * the model's own: late = arrival delay > 15 minutes (model/flights, the training target), so
 * value 1 when late, else 0; the key is the flight's id (`UA123-2001-06-15`), which flights
 * clients send as the v1 pass-through `key`; the time is the arrival event's.
 */
import type { Outcome } from "../../core/monitoring/record.ts";
import type { FlightEvent } from "./events.ts";

/** The model whose predictions the feed's arrivals judge. */
export const FLIGHTS_MODEL = "flights";
/** Minutes of arrival delay above which a flight is late (the training label). */
export const LATE_MINUTES = 15;

/** The outcome each `arrived` event says (cancelled, scheduled and departed events say none). */
export function arrivalOutcomes(events: readonly FlightEvent[], model = FLIGHTS_MODEL): Outcome[] {
  return events
    .filter((e) => e.type === "arrived")
    .map((e) => ({
      model,
      key: e.flightId,
      value: (e.delay ?? 0) > LATE_MINUTES ? 1 : 0,
      time: new Date(e.time).toISOString(),
    }));
}
