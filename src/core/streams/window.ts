/**
 * The as-of window reader: what a bucketed entity value (./buckets.ts) says for one aggregation
 * over one window at a request's `as_of` (docs/streams.md, "Windows").
 *
 * A window of length W at `as_of` counts the buckets lying wholly inside [as_of - W, as_of):
 * from lo = as_of - W rounded UP to a bucket boundary to hi = as_of rounded DOWN. So an event
 * with event time at or after `as_of` never counts (not yet known), nor one before `as_of - W`
 * (it left the window); at an `as_of` on a bucket boundary the window is exact, otherwise the
 * partial buckets at its two ends are left out (at most one bucket of information each).
 *
 * With `align: "bucket"` a window is evaluated at F = as_of rounded DOWN to a bucket boundary and
 * covers (F - W, F], whole: the value moves only on bucket boundaries, and an event counts from the
 * first boundary at or after its event time, inclusive (a fact known at 09:15 counts at 09:15).
 * Its buckets are right-closed, (s, s + bucket] (./buckets.ts), so the window is the buckets
 * with F - W <= s < F. This is the binning of flights' airport-day values (docs/streams.md).
 */
import type { Scalar } from "../context/spec.ts";
import type { AggValue, Last } from "./buckets.ts";
import type { Align } from "./spec.ts";

export interface WindowRead {
  /** undefined: an empty window of a function with no empty value (mean, min, max, last). */
  value: Scalar | undefined;
  /** False when the window reaches before buckets the value no longer keeps. */
  complete: boolean;
}

/** The [lo, hi) bucket starts a window of `windowMs` at `asOf` covers (lo <= start < hi). */
export function windowBounds(asOf: number, windowMs: number, bucketMs: number, align?: Align): [number, number] {
  const hi = Math.floor(asOf / bucketMs) * bucketMs;
  if (align === "bucket") return [hi - windowMs, hi];
  const lo = Math.ceil((asOf - windowMs) / bucketMs) * bucketMs;
  return [lo, hi];
}

export function readWindow(agg: AggValue, asOf: number, windowMs: number): WindowRead {
  const [lo, hi] = windowBounds(asOf, windowMs, agg.bucket_ms, agg.align);
  let n = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let last: Last | undefined;
  const distinct = new Set<string>();
  for (const b of agg.b) {
    const start = b[0];
    if (start < lo) continue;
    if (start >= hi) break; // sorted by start
    n += b[1];
    const x = b[2];
    switch (agg.fn) {
      case "sum":
      case "mean":
        sum += x as number;
        break;
      case "min":
        min = Math.min(min, x as number);
        break;
      case "max":
        max = Math.max(max, x as number);
        break;
      case "last": {
        const l = x as Last;
        if (!last || last[0] < l[0] || (last[0] === l[0] && last[1] < l[1])) last = l;
        break;
      }
      case "distinct":
        for (const v of x as string[]) distinct.add(v);
        break;
    }
  }
  const complete = lo >= agg.from;
  const values: Record<AggValue["fn"], Scalar | undefined> = {
    count: n,
    sum,
    mean: n > 0 ? sum / n : undefined,
    min: n > 0 ? min : undefined,
    max: n > 0 ? max : undefined,
    last: last?.[2],
    distinct: distinct.size,
  };
  return { value: values[agg.fn], complete };
}
