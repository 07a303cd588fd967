/**
 * The event path of declared streams (POST /v2/streams/{stream}/events): find the declaration,
 * validate the whole request (nothing is applied when any event is bad), and send each entity's
 * updates to its object. Ports, so core stays runtime-agnostic: where declarations are read
 * (the REGISTRY KV namespace, src/adapters/kv/stream-declarations.ts) and the entity objects
 * (Durable Objects, src/adapters/durable-objects/stream-entity.ts).
 */
import { invalidInput, modelNotReady, notFound, ServeError } from "../errors.ts";
import { type EntityConfig, entityConfigs } from "./entity.ts";
import { type EntityUpdate, parseStreamEvents } from "./events.ts";
import type { Stream } from "./spec.ts";

export interface StreamDeclarations {
  /** The published declaration; undefined when none; throws when the store fails. */
  get(name: string): Promise<Stream | undefined>;
}

export interface EntityObjects {
  apply(
    key: string,
    config: EntityConfig,
    updates: EntityUpdate[],
  ): Promise<{ applied: number; duplicates: number; lateIds: string[] }>;
}

export interface StreamIngestResult {
  stream: string;
  events: number;
  /** Entity values the events touched. */
  entities: number;
  /** Updates (one per event and entity it feeds) applied, and seen before (ignored). */
  applied: number;
  duplicates: number;
  /** Events refused by at least one entity as older than its newest event minus the lateness. */
  late: number;
  /** Their ids (the first 100). */
  late_ids: string[];
}

const STREAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function ingestStreamEvents(
  declarations: StreamDeclarations,
  objects: EntityObjects,
  name: string,
  body: unknown,
): Promise<StreamIngestResult> {
  if (!STREAM_NAME.test(name))
    throw invalidInput(`stream: expected a stream name of letters, digits and _, got '${name}'`);
  let stream: Stream | undefined;
  try {
    stream = await declarations.get(name);
  } catch (err) {
    if (err instanceof ServeError) throw err;
    throw modelNotReady(`stream '${name}': its declaration could not be read (${String(err)}); retry later`);
  }
  if (!stream) throw notFound(`stream '${name}' is not published (npm run streams -- publish)`);
  const { events, byKey } = parseStreamEvents(stream, body);
  const configs = entityConfigs(stream);
  const groups = [...byKey].map(([key, g]) => ({ key, updates: g.updates, config: configs.get(g.entity)! }));
  let results: Array<{ applied: number; duplicates: number; lateIds: string[] }>;
  try {
    results = await Promise.all(groups.map((g) => objects.apply(g.key, g.config, g.updates)));
  } catch (err) {
    throw modelNotReady(`stream '${name}': an entity object failed (${String(err)}); retry: events are idempotent`);
  }
  const late = new Set(results.flatMap((r) => r.lateIds));
  return {
    stream: name,
    events,
    entities: groups.length,
    applied: results.reduce((n, r) => n + r.applied, 0),
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
    late: late.size,
    late_ids: [...late].slice(0, 100),
  };
}
