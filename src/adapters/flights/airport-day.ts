/**
 * The flights live context's Durable Object: one per airport and local day (named by its KV key,
 * `cong:<IATA>:<date>`), aggregating flight facts into that key's value with the very functions
 * the offline builder uses (src/pipelines/flights/live.ts). Storage, idempotence, batching and
 * retries are the generic FactAggregator's (src/adapters/durable-objects/).
 * The flights plug-in's adapter folder: the one adapter allowed to import its plug-in
 * (.dependency-cruiser.cjs), since the plug-in itself may not import cloudflare:*.
 * What the declared streams cannot express, and so why this object remains: docs/streams.md.
 */
import { formatInstant } from "../../core/context/time.ts";
import { mergeFact } from "../../pipelines/flights/events.ts";
import { aggregate, type LiveFact } from "../../pipelines/flights/live.ts";
import { FactAggregator, type KvWriter } from "../durable-objects/fact-aggregator.ts";

export class AirportDay extends FactAggregator<LiveFact, Env> {
  protected store(): KvWriter {
    return this.env.CONTEXT;
  }

  protected merge(current: LiveFact | undefined, update: LiveFact): LiveFact {
    return mergeFact(current, update);
  }

  protected render(facts: LiveFact[], updatedAt: number): unknown {
    return aggregate(facts, formatInstant(updatedAt));
  }
}
