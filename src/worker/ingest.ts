/**
 * Wiring of the flights live context's ingestion (POST /ingest/flights/events): the plug-in's
 * logic (src/pipelines/flights/ingest.ts) on the context KV and the AIRPORT_DAY objects
 * (src/adapters/flights/airport-day.ts).
 */
import { kvContext } from "../adapters/kv/context-store.ts";
import type { FlightEvent } from "../pipelines/flights/events.ts";
import { type AirportDays, type IngestResult, ingestFlightEvents } from "../pipelines/flights/ingest.ts";
import { arrivalOutcomes } from "../pipelines/flights/outcomes.ts";
import { foldOutcomes } from "./monitor.ts";
import type { Settings } from "./settings.ts";

export type { IngestResult };

export function ingestFlights(env: Env, settings: Settings, body: unknown): Promise<IngestResult> {
  const zones = kvContext(env.CONTEXT, { cacheTtl: settings.kvCacheTtl, timeoutMs: settings.kvTimeoutMs });
  const days: AirportDays = {
    apply: (key, updates) => env.AIRPORT_DAY.get(env.AIRPORT_DAY.idFromName(key)).apply(key, updates),
  };
  // Every arrival is also the outcome of that flight's predictions (docs/monitoring.md, "Outcomes").
  const applied = async (events: FlightEvent[]) => void (await foldOutcomes(env, settings, arrivalOutcomes(events)));
  return ingestFlightEvents(zones, days, body, applied);
}
