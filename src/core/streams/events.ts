/**
 * A request of stream events, validated against its declaration (./spec.ts) and split by entity:
 * every event is checked before anything is applied, so a bad event is a 400 naming it
 * (`events[3].amount: expected a float32 …`) and nothing of the request is applied.
 *
 *   {"events": [{"id": "m-1", "at": "2026-01-01T10:00:00Z", "sender": "a@x", "spam": true}, …]}
 */
import type { Scalar } from "../context/spec.ts";
import { parseInstant } from "../context/time.ts";
import { describeValue, invalidInput } from "../errors.ts";
import { entityKeyPrefix, type Stream } from "./spec.ts";

/** Events in one request. */
export const MAX_STREAM_EVENTS = 1000;

/** One event as one entity sees it: what it adds to each of that entity's aggregations. */
export interface EntityUpdate {
  id: string;
  /** Event time, epoch ms. */
  time: number;
  /** By aggregation name: the field value read (null for count); absent when filtered out. */
  aggs: Record<string, Scalar | null>;
}

const INT32 = 2 ** 31;

function fits(dtype: Stream["fields"][number]["dtype"], v: unknown): boolean {
  switch (dtype) {
    case "float32":
      return typeof v === "number" && Number.isFinite(v);
    case "int32":
      return typeof v === "number" && Number.isInteger(v) && v >= -INT32 && v < INT32;
    case "string":
      return typeof v === "string" && v.length <= 1000;
    case "bool":
      return typeof v === "boolean";
  }
}

/** Every entity key the events feed, with its updates in request order. */
export function parseStreamEvents(
  stream: Stream,
  body: unknown,
): { events: number; byKey: Map<string, { entity: string; updates: EntityUpdate[] }> } {
  const events = (body as { events?: unknown } | null)?.events;
  if (body === null || typeof body !== "object" || Array.isArray(body) || !Array.isArray(events))
    throw invalidInput(`events: expected {"events": [ … ]}, got ${describeValue(events ?? body)}`);
  for (const name of Object.keys(body))
    if (name !== "events") throw invalidInput(`${name}: not a field of an events request (only "events")`);
  if (events.length === 0 || events.length > MAX_STREAM_EVENTS)
    throw invalidInput(`events: expected 1 to ${MAX_STREAM_EVENTS} events, got ${events.length}`);
  const fields = new Map(stream.fields.map((f) => [f.name, f]));
  const templates = stream.entities.map((e) => ({
    name: e.name,
    texts: e.key.split(/\{[^{}]*\}/),
    names: [...e.key.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!),
  }));
  const byKey = new Map<string, { entity: string; updates: EntityUpdate[] }>();
  events.forEach((raw, i) => {
    const at = `events[${i}]`;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw))
      throw invalidInput(`${at}: expected an event object, got ${describeValue(raw)}`);
    const e = raw as Record<string, unknown>;
    for (const name of Object.keys(e))
      if (!fields.has(name))
        throw invalidInput(
          `${at}.${name}: not a field of stream '${stream.name}' (fields: ${[...fields.keys()].join(", ")})`,
        );
    for (const f of stream.fields) {
      const v = e[f.name];
      if ((v === undefined || v === null) && f.optional) continue;
      if (!fits(f.dtype, v))
        throw invalidInput(
          `${at}.${f.name}: expected ${f.dtype === "int32" ? "an" : "a"} ${f.dtype}, got ${describeValue(v)}`,
        );
    }
    const id = e[stream.id_field] as string;
    if (id.length === 0 || id.length > 200)
      throw invalidInput(`${at}.${stream.id_field}: expected an id of 1-200 characters, got ${describeValue(id)}`);
    const time = parseInstant(e[stream.time_field]);
    if (time === undefined)
      throw invalidInput(
        `${at}.${stream.time_field}: expected an ISO 8601 instant with Z or an offset, got ${describeValue(e[stream.time_field])}`,
      );
    for (const t of templates) {
      let key = entityKeyPrefix(stream.name) + t.texts[0]!;
      t.names.forEach((n, j) => {
        key += String(e[n]) + t.texts[j + 1]!;
      });
      const aggs: Record<string, Scalar | null> = {};
      for (const a of stream.aggregations) {
        if (a.entity !== t.name) continue;
        if (a.filter && e[a.filter.field] !== a.filter.equals) continue;
        const v = a.field === undefined ? null : (e[a.field] as Scalar | undefined | null);
        if (v === undefined || (v === null && a.field !== undefined)) continue; // an optional field absent
        aggs[a.name] = v;
      }
      const group = byKey.get(key) ?? { entity: t.name, updates: [] };
      group.updates.push({ id, time, aggs });
      byKey.set(key, group);
    }
  });
  return { events: events.length, byKey };
}
