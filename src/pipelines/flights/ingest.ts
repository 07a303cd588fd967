/**
 * The ingestion path of the flights live context (POST /ingest/flights/events): validate the
 * events, place them in time with the airports' zones (ap: values in the context store), and send
 * each airport-day's updates to its aggregating object, which writes the KV value the serving path
 * reads. Serving never touches the objects: it only reads KV. Ports, so the plug-in stays free of
 * bindings: the context store (core) and the airport-day objects (src/adapters/flights/, wired in
 * src/adapters/flights/feed.ts). `ingestFlightEvents` is the one entry point: whatever else must happen
 * when events are applied (outcomes for a prediction log) goes after `apply` below.
 */
import { invalidInput, modelNotReady } from "../../core/errors.ts";
import type { ContextStore } from "../../core/pipeline/context-store.ts";
import { AirportValueSchema, batchLookup, KV, readValue } from "./context.ts";
import { eventUpdates, type FactUpdate, type FlightEvent, parseEvents, zoneCodes } from "./events.ts";
import type { Zone } from "./facts.ts";

/** The airport-day objects: one per cong: key, idempotent by event id. */
export interface AirportDays {
  apply(key: string, updates: FactUpdate[]): Promise<{ duplicateIds: string[] }>;
}

export interface IngestResult {
  events: number;
  applied: number;
  duplicates: number;
  airport_days: number;
}

/**
 * Applies a request body of events; 400 naming the event for bad input, 503 when KV or an object
 * fails. `applied`, when given, is told the request's events once the objects took them (the
 * prediction log's outcomes); a failure there is the request's failure, and a retry is safe.
 */
export async function ingestFlightEvents(
  zones: ContextStore,
  days: AirportDays,
  body: unknown,
  applied?: (events: FlightEvent[]) => Promise<void>,
): Promise<IngestResult> {
  const events = parseEvents(body);
  const codes = zoneCodes(events);
  const { values, degraded } = await zones.getMany(codes.map(KV.airport));
  if (degraded) throw modelNotReady("ingest: the context KV did not answer; retry later");
  const lookup = batchLookup(values);
  const zone = (code: string, at: string): Zone => {
    const ap = readValue(lookup, KV.airport(code), AirportValueSchema);
    if (!ap)
      throw invalidInput(`${at}: no time zone known for airport "${code}" (${KV.airport(code)} is not in the context)`);
    return ap;
  };
  const byKey = new Map<string, FactUpdate[]>();
  events.forEach((e, i) => {
    const origin = zone(e.flight.origin, `events[${i}].flight.origin`);
    const destination = zone(e.flight.destination, `events[${i}].flight.destination`);
    for (const { key, eventId, factId, time, fact } of eventUpdates(e, origin, destination)) {
      const list = byKey.get(key) ?? [];
      list.push({ eventId, factId, time, fact });
      byKey.set(key, list);
    }
  });
  let results: Array<{ duplicateIds: string[] }>;
  try {
    results = await Promise.all([...byKey].map(([key, updates]) => days.apply(key, updates)));
  } catch (err) {
    throw modelNotReady(`ingest: an airport-day object failed (${String(err)}); retry: events are idempotent`);
  }
  // An event updates its origin's and its destination's day: it is a duplicate when both had seen it.
  const seen = new Map<string, number>();
  for (const r of results) for (const id of r.duplicateIds) seen.set(id, (seen.get(id) ?? 0) + 1);
  const duplicates = events.filter((e) => seen.get(e.id) === 2).length;
  await applied?.(events);
  return { events: events.length, applied: events.length - duplicates, duplicates, airport_days: byKey.size };
}
