/**
 * What an entity's object needs to know of the declaration (sent with every batch, so a
 * republished stream takes effect on the next event), and how its buckets render into the KV value.
 */
import { formatInstant } from "../context/time.ts";
import type { AggValue, Bucket, EntityValue } from "./buckets.ts";
import { type AggFunction, durationMs, type Stream } from "./spec.ts";

export interface AggConfig {
  fn: AggFunction;
  bucket_ms: number;
  /** Longest window + lateness: buckets older than that behind the watermark are compacted. */
  retention_ms: number;
  /** Present only for `"bucket"` (right-closed buckets, boundary-aligned windows). */
  align?: "bucket";
}

export interface EntityConfig {
  lateness_ms: number;
  aggs: Record<string, AggConfig>;
}

/** By entity name: the config of its object. */
export function entityConfigs(stream: Stream): Map<string, EntityConfig> {
  const lateness = durationMs(stream.lateness)!;
  const out = new Map<string, EntityConfig>(stream.entities.map((e) => [e.name, { lateness_ms: lateness, aggs: {} }]));
  for (const a of stream.aggregations) {
    out.get(a.entity)!.aggs[a.name] = {
      fn: a.function,
      bucket_ms: durationMs(a.bucket)!,
      retention_ms: Math.max(...a.windows.map((w) => durationMs(w)!)) + lateness,
      ...(a.align === "bucket" ? { align: "bucket" as const } : {}),
    };
  }
  return out;
}

/** The entity's KV value: its aggregations' buckets (sorted by start), stamped with its watermark. */
export function renderValue(
  config: EntityConfig,
  watermark: number,
  from: Readonly<Record<string, number>>,
  buckets: ReadonlyMap<string, Bucket[]>,
): EntityValue {
  const aggs: Record<string, AggValue> = {};
  for (const [name, c] of Object.entries(config.aggs)) {
    const b = [...(buckets.get(name) ?? [])].sort((x, y) => x[0] - y[0]);
    aggs[name] = { fn: c.fn, bucket_ms: c.bucket_ms, from: from[name] ?? 0, ...(c.align ? { align: c.align } : {}), b };
  }
  return { updated_at: formatInstant(watermark), aggs };
}
