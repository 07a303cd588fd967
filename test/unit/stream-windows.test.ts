/**
 * The bucketed value and its as-of window reader (src/core/streams), against a brute force over
 * the raw events: for random events (values, ids, times) and a random as_of, every function's
 * window equals what the events with event time in the window's covered span give, computed
 * directly from the events; every counted event lies in [as_of - W, as_of) (nothing from the
 * future, nothing that left the window); and the order events are added in changes nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AggValue, addToBucket, type Bucket, bucketFor } from "../../src/core/streams/buckets.ts";
import type { AggFunction } from "../../src/core/streams/spec.ts";
import { readWindow, windowBounds } from "../../src/core/streams/window.ts";

interface Ev {
  id: string;
  time: number;
  value: number;
}

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

function build(fn: AggFunction, bucketMs: number, events: readonly Ev[], align?: "bucket"): AggValue {
  const buckets = new Map<number, Bucket>();
  for (const e of events) {
    const s = bucketFor(e.time, bucketMs, align);
    buckets.set(s, addToBucket(fn, buckets.get(s), s, { id: e.id, time: e.time, value: e.value }));
  }
  const b = [...buckets.values()].sort((a, b) => a[0] - b[0]);
  return { fn, bucket_ms: bucketMs, from: 0, ...(align ? { align } : {}), b };
}

/** The brute force: the window's events straight from the raw list (no buckets); `closed`: (lo, hi]. */
function brute(fn: AggFunction, events: readonly Ev[], lo: number, hi: number, closed = false) {
  const inside = events.filter((e) => (closed ? e.time > lo && e.time <= hi : e.time >= lo && e.time < hi));
  const values = inside.map((e) => e.value);
  if (fn === "count") return inside.length;
  if (fn === "sum") return values.reduce((a, b) => a + b, 0);
  if (fn === "distinct") return new Set(values).size;
  if (inside.length === 0) return undefined;
  if (fn === "mean") return values.reduce((a, b) => a + b, 0) / values.length;
  if (fn === "min") return Math.min(...values);
  if (fn === "max") return Math.max(...values);
  const last = [...inside].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).at(-1)!;
  return last.value;
}

const event = fc.record({
  id: fc.string({ minLength: 1, maxLength: 4 }),
  time: fc.integer({ min: T0, max: T0 + 3 * 24 * 60 * MIN }),
  value: fc.integer({ min: -50, max: 50 }),
});
// Ids unique (a duplicate id is the object's business, test/worker/stream-entity.test.ts).
const events = fc.uniqueArray(event, { selector: (e) => e.id, maxLength: 80 });
const fnArb = fc.constantFrom<AggFunction>("count", "sum", "mean", "min", "max", "last", "distinct");
const bucketArb = fc.constantFrom(MIN, 5 * MIN, 15 * MIN, 60 * MIN);

describe("as-of windows over buckets", () => {
  it("equal a brute force over the raw events, for every function, window and as_of", () => {
    fc.assert(
      fc.property(
        fnArb,
        bucketArb,
        fc.integer({ min: 1, max: 48 }),
        events,
        fc.integer({ min: T0 - 60 * MIN, max: T0 + 4 * 24 * 60 * MIN }),
        (fn, bucketMs, buckets, evs, asOf) => {
          const windowMs = buckets * bucketMs;
          const read = readWindow(build(fn, bucketMs, evs), asOf, windowMs);
          // The covered span, from its definition: the whole buckets inside [as_of - W, as_of).
          const hi = asOf - (((asOf % bucketMs) + bucketMs) % bucketMs);
          let lo = asOf - windowMs;
          lo += (bucketMs - (((lo % bucketMs) + bucketMs) % bucketMs)) % bucketMs;
          expect(windowBounds(asOf, windowMs, bucketMs)).toEqual([lo, hi]);
          expect(lo).toBeGreaterThanOrEqual(asOf - windowMs);
          expect(hi).toBeLessThanOrEqual(asOf);
          const want = brute(fn, evs, lo, hi);
          if (typeof want === "number" && fn === "mean") expect(read.value).toBeCloseTo(want, 9);
          else expect(read.value).toEqual(want);
          expect(read.complete).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("is exact when as_of is on a bucket boundary: events in [as_of - W, as_of) and no others", () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 0, max: 4 * 24 * 4 }), fc.integer({ min: 1, max: 96 }), (evs, k, n) => {
        const asOf = T0 + k * 15 * MIN;
        const read = readWindow(build("count", 15 * MIN, evs), asOf, n * 15 * MIN);
        expect(read.value).toBe(evs.filter((e) => e.time >= asOf - n * 15 * MIN && e.time < asOf).length);
      }),
      { numRuns: 300 },
    );
  });

  it("does not depend on the order events arrive in", () => {
    fc.assert(
      fc.property(fnArb, events, fc.infiniteStream(fc.nat()), (fn, evs, rand) => {
        const shuffled = [...evs];
        const r = rand[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = r.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(build(fn, 5 * MIN, shuffled)).toEqual(build(fn, 5 * MIN, evs));
      }),
      { numRuns: 300 },
    );
  });

  // Times on whole minutes, so events fall on bucket boundaries often (the case align changes).
  const onMinutes = fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      time: fc.integer({ min: 0, max: 3 * 24 * 60 }).map((m) => T0 + m * MIN),
      value: fc.integer({ min: -50, max: 50 }),
    }),
    { selector: (e) => e.id, maxLength: 80 },
  );

  it('align "bucket": the window is (F - W, F] at F = as_of rounded down to a bucket, events on F included', () => {
    fc.assert(
      fc.property(
        fnArb,
        bucketArb,
        fc.integer({ min: 1, max: 48 }),
        fc.oneof(events, onMinutes),
        fc.oneof(
          fc.integer({ min: T0 - 60 * MIN, max: T0 + 4 * 24 * 60 * MIN }),
          fc.integer({ min: -60, max: 4 * 24 * 60 }).map((m) => T0 + m * MIN),
        ),
        (fn, bucketMs, buckets, evs, asOf) => {
          const windowMs = buckets * bucketMs;
          const read = readWindow(build(fn, bucketMs, evs, "bucket"), asOf, windowMs);
          // F from its definition: the greatest multiple of the bucket not after as_of.
          const F = asOf - (((asOf % bucketMs) + bucketMs) % bucketMs);
          expect(F).toBeLessThanOrEqual(asOf);
          expect(asOf - F).toBeLessThan(bucketMs);
          const want = brute(fn, evs, F - windowMs, F, true);
          if (typeof want === "number" && fn === "mean") expect(read.value).toBeCloseTo(want, 9);
          else expect(read.value).toEqual(want);
          // Nothing after as_of ever counts.
          expect(evs.filter((e) => e.time > F - windowMs && e.time <= F).every((e) => e.time <= asOf)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('align "bucket": an event on a boundary counts from that boundary; its bucket ends there', () => {
    const evs = [{ id: "a", time: T0 + 15 * MIN, value: 1 }];
    const agg = build("count", 15 * MIN, evs, "bucket");
    expect(agg.b).toEqual([[T0, 1]]);
    expect(readWindow(agg, T0 + 15 * MIN - 1, 15 * MIN).value).toBe(0);
    expect(readWindow(agg, T0 + 15 * MIN, 15 * MIN).value).toBe(1);
    expect(readWindow(agg, T0 + 29 * MIN, 15 * MIN).value).toBe(1);
    expect(readWindow(agg, T0 + 30 * MIN, 15 * MIN).value).toBe(0);
    // The default counts it one bucket later and drops it one bucket later too: [as_of - W, as_of).
    const plain = build("count", 15 * MIN, evs);
    expect(readWindow(plain, T0 + 15 * MIN, 15 * MIN).value).toBe(0);
    expect(readWindow(plain, T0 + 30 * MIN, 15 * MIN).value).toBe(1);
  });

  it("says a window reaching before the compacted buckets is incomplete", () => {
    const agg: AggValue = { fn: "count", bucket_ms: MIN, from: T0, b: [[T0, 3]] };
    expect(readWindow(agg, T0 + 10 * MIN, 10 * MIN)).toEqual({ value: 3, complete: true });
    expect(readWindow(agg, T0 + 10 * MIN, 11 * MIN)).toEqual({ value: 3, complete: false });
  });
});
