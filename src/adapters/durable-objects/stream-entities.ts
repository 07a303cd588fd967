/** The EntityObjects port on the STREAM_ENTITY namespace: one object per entity KV key, named by it. */
import type { EntityObjects } from "../../core/streams/ingest.ts";
import type { StreamEntity } from "./stream-entity.ts";

export function streamEntities(namespace: DurableObjectNamespace<StreamEntity>): EntityObjects {
  return {
    apply: (key, config, updates) => namespace.get(namespace.idFromName(key)).apply(key, config, updates),
  };
}
