/**
 * The ingestion path of the flights live context (POST /ingest/flights/events): validate the
 * events, place them in time with the airports' zones (ap: values in the context KV), and send
 * each airport-day's updates to its Durable Object (AirportDay), which writes the KV value the
 * serving path reads. Serving never touches the objects: it only reads KV.
 */
import { kvContext } from "../adapters/kv/context-store.ts";
import { invalidInput, modelNotReady } from "../core/errors.ts";
import { AirportValueSchema, batchLookup, KV, readValue } from "../pipelines/flights/context.ts";
import { eventUpdates, type FactUpdate, parseEvents, zoneCodes } from "../pipelines/flights/events.ts";
import type { Zone } from "../pipelines/flights/facts.ts";
import { arrivalOutcomes } from "../pipelines/flights/outcomes.ts";
import { foldOutcomes } from "./monitor.ts";
import type { Settings } from "./settings.ts";

export interface IngestResult {
  events: number;
  applied: number;
  duplicates: number;
  airport_days: number;
}

/** Applies a request body of events; 400 naming the event for bad input, 503 when KV or an object fails. */
export async function ingestFlightEvents(env: Env, settings: Settings, body: unknown): Promise<IngestResult> {
  const events = parseEvents(body);
  const codes = zoneCodes(events);
  const { values, degraded } = await kvContext(env.CONTEXT, {
    cacheTtl: settings.kvCacheTtl,
    timeoutMs: settings.kvTimeoutMs,
  }).getMany(codes.map(KV.airport));
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
    results = await Promise.all(
      [...byKey].map(([key, updates]) => env.AIRPORT_DAY.get(env.AIRPORT_DAY.idFromName(key)).apply(key, updates)),
    );
  } catch (err) {
    throw modelNotReady(`ingest: an airport-day object failed (${String(err)}); retry: events are idempotent`);
  }
  // An event updates its origin's and its destination's day: it is a duplicate when both had seen it.
  const seen = new Map<string, number>();
  for (const r of results) for (const id of r.duplicateIds) seen.set(id, (seen.get(id) ?? 0) + 1);
  const duplicates = events.filter((e) => seen.get(e.id) === 2).length;
  // Every arrival is also the outcome of that flight's predictions (docs/monitoring.md, "Outcomes").
  await foldOutcomes(env, settings, arrivalOutcomes(events));
  return { events: events.length, applied: events.length - duplicates, duplicates, airport_days: byKey.size };
}
