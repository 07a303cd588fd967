/**
 * A plug-in's event feed: `POST /ingest/{feed}/events` hands it the parsed body. It validates the
 * whole body first (a bad event is a 400 naming it, nothing applied), applies it idempotently by
 * event id, and answers counts. Which feeds exist is the wiring's feed table (src/worker/feeds.ts);
 * each feed's bindings live in its plug-in's adapter (flights: src/adapters/flights/feed.ts).
 * Declared streams need no feed of their own: POST /v2/streams/{stream}/events (docs/streams.md).
 */
import type { Outcome } from "../monitoring/record.ts";

export interface EventFeed {
  ingest(body: unknown): Promise<object>;
}

/** Where a feed sends the outcomes its events imply (the Monitor objects, through the wiring). */
export type OutcomeSink = (outcomes: Outcome[]) => Promise<void>;
