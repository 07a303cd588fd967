/**
 * Wiring of declared streams' event path: declarations from the REGISTRY namespace, entity
 * objects from STREAM_ENTITY, the logic in core (src/core/streams/ingest.ts).
 */
import { streamEntities } from "../adapters/durable-objects/stream-entities.ts";
import { kvStreamDeclarations } from "../adapters/kv/stream-declarations.ts";
import { ingestStreamEvents, type StreamIngestResult } from "../core/streams/ingest.ts";
import type { Settings } from "./settings.ts";

export function ingestStream(env: Env, settings: Settings, stream: string, body: unknown): Promise<StreamIngestResult> {
  return ingestStreamEvents(
    kvStreamDeclarations(env.REGISTRY, settings.kvCacheTtl),
    streamEntities(env.STREAM_ENTITY),
    stream,
    body,
  );
}
