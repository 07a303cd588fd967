/**
 * The feed table: plug-in event feeds reachable at POST /ingest/{feed}/events (behind INGEST_KEYS).
 * A plug-in with a live feed adds its adapter's factory here, as src/worker/pipelines.ts lists
 * pipelines; the wiring only hands it its bindings and the outcome sink.
 */
import { flightsFeed } from "../adapters/flights/feed.ts";
import type { EventFeed } from "../core/pipeline/feed.ts";
import { foldOutcomes } from "./monitor.ts";
import type { Settings } from "./settings.ts";

export type FeedFactory = (env: Env, settings: Settings) => EventFeed;

export const FEEDS: Readonly<Record<string, FeedFactory>> = {
  flights: (env, settings) =>
    flightsFeed(env, { cacheTtl: settings.kvCacheTtl, timeoutMs: settings.kvTimeoutMs }, async (outcomes) => {
      await foldOutcomes(env, settings, outcomes);
    }),
};

/** The named feed on this request's bindings, or undefined when no plug-in has that feed. */
export function feedOf(name: string, env: Env, settings: Settings): EventFeed | undefined {
  return Object.hasOwn(FEEDS, name) ? FEEDS[name]!(env, settings) : undefined;
}
