/**
 * The 2001 flights as live events (POST /ingest/flights/events): every flight whose departure or
 * arrival falls in the airport-days wanted, as `scheduled` (known in advance) and `arrived` at the
 * time the offline builder counts its delay known (scheduled departure + estimated block time +
 * safety margin + delay). Used by `npm run replay` and test/e2e/ingest.test.ts.
 */
import { type Airport, departureOf, type Flights } from "../model/flights/data.ts";
import { estimatedKnownAt, flightFacts } from "../src/pipelines/flights/index.ts";

export interface ReplayEvent {
  /** Epoch ms of the event. */
  at: number;
  body: Record<string, unknown>;
}

/**
 * Events of the flights touching `day` (local date) whose facts hit a wanted cong: key (all when
 * `wanted` is absent), sorted by event time; schedules at `day` - 12 h UTC.
 */
export function dayEvents(
  flights: Flights,
  airports: Map<string, Airport>,
  day: string,
  wanted?: (key: string) => boolean,
): ReplayEvent[] {
  const scheduledAt = Date.parse(`${day}T00:00:00Z`) - 12 * 3_600_000;
  const noon = Date.parse(`${day}T12:00Z`) / 60_000;
  const events: ReplayEvent[] = [];
  for (let i = 0; i < flights.n; i++) {
    const minute = flights.minute[i]!;
    if (Math.abs(minute - noon) > 1.5 * 1440) continue;
    const origin = airports.get(flights.origin[i]!)!;
    const destination = airports.get(flights.destination[i]!)!;
    const f = { origin: origin.code, destination: destination.code, departure: minute, distance: flights.distance[i]! };
    const keys = flightFacts(f, origin, destination).map((x) => x.key);
    if (!keys.some((k) => k.endsWith(day) && (wanted?.(k) ?? true))) continue;
    const flight = {
      id: `2001-row-${i}`,
      origin: f.origin,
      destination: f.destination,
      departure: departureOf(flights, i),
      distance: f.distance,
    };
    events.push({
      at: scheduledAt,
      body: { id: `${flight.id}:scheduled`, type: "scheduled", time: new Date(scheduledAt).toISOString(), flight },
    });
    const at = estimatedKnownAt(f, origin, flights.delay[i]!) * 60_000;
    const delay = flights.delay[i]!;
    events.push({
      at,
      body: { id: `${flight.id}:arrived`, type: "arrived", time: new Date(at).toISOString(), delay, flight },
    });
  }
  return events.sort((a, b) => a.at - b.at);
}
