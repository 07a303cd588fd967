/**
 * The flights event feed on its bindings: the plug-in's ingestion (src/pipelines/flights/ingest.ts)
 * with the airports' zones from the context KV and one AirportDay object per airport-day
 * (airport-day.ts); every arrival is also the outcome of that flight's predictions
 * (docs/monitoring.md, "Outcomes"), handed to `outcomes`.
 */
import type { EventFeed, OutcomeSink } from "../../core/pipeline/feed.ts";
import { type AirportDays, ingestFlightEvents } from "../../pipelines/flights/ingest.ts";
import { arrivalOutcomes } from "../../pipelines/flights/outcomes.ts";
import { type KvContextOptions, kvContext } from "../kv/context-store.ts";
import type { AirportDay } from "./airport-day.ts";

export interface FlightsBindings {
  CONTEXT: KVNamespace;
  AIRPORT_DAY: DurableObjectNamespace<AirportDay>;
}

export function flightsFeed(env: FlightsBindings, kv: KvContextOptions, outcomes: OutcomeSink): EventFeed {
  const zones = kvContext(env.CONTEXT, kv);
  const days: AirportDays = {
    apply: (key, updates) => env.AIRPORT_DAY.get(env.AIRPORT_DAY.idFromName(key)).apply(key, updates),
  };
  return { ingest: (body) => ingestFlightEvents(zones, days, body, (events) => outcomes(arrivalOutcomes(events))) };
}
