/**
 * Time-bucketed partial aggregates: the state a stream's entity object keeps and the KV value it
 * writes (docs/streams.md). Pure, so the Durable Object, the CLI and the tests share it.
 *
 *   {"updated_at": "2026-01-01T10:00:00Z",              the entity's newest event time (watermark)
 *    "aggs": {"spam": {"fn": "count", "bucket_ms": 60000,
 *                      "from": 0,                        windows starting before it were compacted
 *                      "b": [[start_ms, n, x?], …]}}}    sorted by start; x per function below
 *
 * x is: sum/mean -> the sum; min/max -> the extreme; last -> [time, id, value] of the greatest
 * (time, id); distinct -> the sorted distinct values as text (exact); count -> absent.
 * A bucket [s, s + bucket_ms) holds the events whose event time falls in it; with `"align":
 * "bucket"` (the value says `"align": "bucket"`) it is (s, s + bucket_ms] instead: an event on a
 * boundary belongs to the bucket ending there (./window.ts says why).
 */
import type { Scalar } from "../context/spec.ts";
import type { AggFunction, Align } from "./spec.ts";

export type Last = [number, string, Scalar];
export type Bucket = [number, number] | [number, number, number] | [number, number, Last] | [number, number, string[]];

export interface AggValue {
  fn: AggFunction;
  bucket_ms: number;
  /** Buckets before this instant (ms) were compacted away: a window reaching before it is incomplete. */
  from: number;
  /** Present only for `"bucket"`: right-closed buckets, windows ending at a bucket boundary (./window.ts). */
  align?: "bucket";
  b: Bucket[];
}

export interface EntityValue {
  updated_at: string;
  aggs: Record<string, AggValue>;
}

/** What one event adds to one aggregation of one entity (value: the field read; null for count). */
export interface Contribution {
  id: string;
  time: number;
  value: Scalar | null;
}

export const bucketStart = (time: number, bucketMs: number) => Math.floor(time / bucketMs) * bucketMs;

/**
 * The start of the bucket an event at `time` falls in: [s, s + bucket) by default, (s, s + bucket]
 * for `align: "bucket"` (an event exactly on a boundary belongs to the bucket ending there).
 */
export const bucketFor = (time: number, bucketMs: number, align: Align | undefined) =>
  align === "bucket" ? Math.ceil(time / bucketMs) * bucketMs - bucketMs : bucketStart(time, bucketMs);

const before = (a: Last, time: number, id: string) => a[0] < time || (a[0] === time && a[1] < id);

/** A bucket after one more event (`current` undefined for the first): order of events never matters. */
export function addToBucket(fn: AggFunction, current: Bucket | undefined, start: number, c: Contribution): Bucket {
  const n = (current?.[1] ?? 0) + 1;
  const x = current?.[2];
  const v = c.value;
  switch (fn) {
    case "count":
      return [start, n];
    case "sum":
    case "mean":
      return [start, n, ((x as number | undefined) ?? 0) + Number(v)];
    case "min":
      return [start, n, x === undefined ? Number(v) : Math.min(x as number, Number(v))];
    case "max":
      return [start, n, x === undefined ? Number(v) : Math.max(x as number, Number(v))];
    case "last":
      return [start, n, x === undefined || before(x as Last, c.time, c.id) ? [c.time, c.id, v as Scalar] : (x as Last)];
    case "distinct": {
      const set = new Set((x as string[] | undefined) ?? []);
      set.add(String(v));
      return [start, n, [...set].sort()];
    }
  }
}

/** Retention of an aggregation: its longest window plus the stream's lateness (ms). */
export const retentionMs = (windowsMs: readonly number[], latenessMs: number) => Math.max(...windowsMs) + latenessMs;

/**
 * The first bucket start an entity must keep when its newest event is at `watermark`: every
 * window ending at an `as_of` no earlier than `watermark - lateness` (the oldest instant an event
 * is still accepted for) starts at or after it. Values hold at most retention / bucket + 2 buckets
 * per aggregation.
 */
export const keepFrom = (watermark: number, retention: number, bucketMs: number) =>
  bucketStart(watermark - retention, bucketMs);
