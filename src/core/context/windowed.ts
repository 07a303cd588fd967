/**
 * A lookup of a stream entity's bucketed value (`"stream": "<name>"` in a manifest lookup,
 * docs/streams.md): each field `<aggregation>_<window>` (`spam_1h`) is that aggregation over that
 * window ending at the row's `as_of`, read from the value's buckets (core/streams/window.ts).
 * The value answers every `as_of`: `updated_at` is the entity's newest event, so a value written
 * after `as_of` is not `future` (its later events are simply outside every window); `max_age_s`
 * still bounds `as_of - updated_at`. A window reaching before the buckets the value keeps makes
 * the lookup `stale`; an empty window of mean/min/max/last takes that field's default.
 */
import type { AggValue } from "../streams/buckets.ts";
import { durationMs } from "../streams/spec.ts";
import { readWindow } from "../streams/window.ts";
import { defaultFits, type Lookup, type Scalar } from "./spec.ts";
import { freshness, parseInstant } from "./time.ts";

/** `spam_1h` -> ["spam", 3600000]; undefined when the name does not end in a window. */
export function windowField(name: string): [string, number] | undefined {
  const at = name.lastIndexOf("_");
  const ms = at > 0 ? durationMs(name.slice(at + 1)) : undefined;
  return ms === undefined ? undefined : [name.slice(0, at), ms];
}

export interface WindowedRead {
  status: "present" | "stale" | "error";
  values: Record<string, Scalar>;
  reason?: string;
}

export function readWindowed(lookup: Lookup, value: Record<string, unknown>, asOf: number): WindowedRead {
  const aggs = value.aggs as Record<string, AggValue> | undefined;
  if (aggs === null || typeof aggs !== "object")
    return { status: "error", values: {}, reason: "the value has no aggs" };
  const values: Record<string, Scalar> = {};
  let complete = true;
  for (const f of lookup.fields) {
    const [name, windowMs] = windowField(f.name) ?? ["", 0];
    const agg = aggs[name];
    if (!agg || !Array.isArray(agg.b))
      return { status: "error", values: {}, reason: `the value has no aggregation '${name}' for field '${f.name}'` };
    const read = readWindow(agg, asOf, windowMs);
    complete &&= read.complete;
    const v = read.value ?? f.default;
    if (!defaultFits(f.dtype, v))
      return {
        status: "error",
        values: {},
        reason: `field '${f.name}' should be a ${f.dtype}, the window gives ${JSON.stringify(v)}`,
      };
    values[f.name] = v;
  }
  const updatedAt = parseInstant(value.updated_at);
  if (updatedAt === undefined) return { status: "error", values: {}, reason: "updated_at is not an ISO 8601 instant" };
  // Only staleness applies: a value whose newest event is after as_of still answers as_of.
  const fresh = freshness({
    updatedAt: Math.min(updatedAt, asOf),
    asOf,
    ...(lookup.max_age_s !== undefined ? { maxAgeS: lookup.max_age_s } : {}),
  });
  return { status: fresh === "stale" || !complete ? "stale" : "present", values };
}
