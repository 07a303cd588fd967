/**
 * The ingestion path of the flights live context (POST /ingest/flights/events): validate the
 * events, place them in time with the airports' zones (ap: values in the context KV), and send
 * each airport-day's updates to its Durable Object (AirportDay), which writes the KV value the
 * serving path reads. Serving never touches the objects: it only reads KV.
 */
import { kvContext } from "../adapters/kv/context-store.ts";
import { invalidInput, ServeError } from "../core/errors.ts";
import { AirportValueSchema, batchLookup, KV, readValue } from "../pipelines/flights/context.ts";
import { eventUpdates, type FactUpdate, parseEvents, zoneCodes } from "../pipelines/flights/events.ts";
import type { Zone } from "../pipelines/flights/facts.ts";

export interface IngestResult {
  events: number;
  applied: number;
  duplicates: number;
  airport_days: number;
}

/** Applies a request body of events; 400 naming the event for bad input, 503 when KV or an object fails. */
export async function ingestFlightEvents(env: Env, body: unknown): Promise<IngestResult> {
  const events = parseEvents(body);
  const codes = zoneCodes(events);
  const { values, degraded } = await kvContext(env.CONTEXT, { cacheTtl: 60, timeoutMs: 2000 }).getMany(
    codes.map(KV.airport),
  );
  if (degraded) throw new ServeError(503, "MODEL_NOT_READY", "ingest: the context KV did not answer; retry later");
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
  let applied = 0;
  let duplicates = 0;
  try {
    const results = await Promise.all(
      [...byKey].map(([key, updates]) => env.AIRPORT_DAY.get(env.AIRPORT_DAY.idFromName(key)).apply(key, updates)),
    );
    for (const r of results) (applied += r.applied), (duplicates += r.duplicates);
  } catch (err) {
    throw new ServeError(
      503,
      "MODEL_NOT_READY",
      `ingest: an airport-day object failed (${String(err)}); retry: events are idempotent`,
    );
  }
  // Each event updates two airport-days: an event counts as a duplicate when both saw it before.
  return { events: events.length, applied: applied / 2, duplicates: duplicates / 2, airport_days: byKey.size };
}
