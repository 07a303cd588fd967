/**
 * The bucket aggregate is a commutative monoid: however the records of a window are split into
 * buckets and in whatever order the buckets are merged, the report is the same (counts exactly,
 * float sums to rounding); it survives JSON; merge changes neither argument; and its JSON stays
 * within the size bound docs/monitoring.md states.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Aggregate,
  addError,
  addJoined,
  addPrediction,
  emptyAggregate,
  merge,
} from "../../src/core/monitoring/aggregate.ts";
import type { Monitoring } from "../../src/core/monitoring/manifest.ts";
import type { LookupStatus, PredictionRecord } from "../../src/core/monitoring/record.ts";
import { type QualityReport, summarize } from "../../src/core/monitoring/report.ts";

const monitoring = {
  baseline: {
    features: [
      { name: "a", edges: [-1, 0, 1], shares: [0.2, 0.3, 0.3, 0.2] },
      { name: "b", edges: [0.5], shares: [0.6, 0.4] },
    ],
  },
} as Monitoring;
const STATUSES: LookupStatus[] = ["present", "missing", "stale", "future", "error"];

type Event =
  | { t: "p"; a: number; b: number; row: number; ms: number; s: number }
  | { t: "e"; code: string }
  | { t: "j"; score: number; y: number };

const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    t: fc.constant("p" as const),
    a: fc.double({ min: -3, max: 3, noNaN: true }),
    b: fc.oneof(fc.constant(Number.NaN), fc.double({ min: 0, max: 1, noNaN: true })),
    row: fc.nat(3),
    ms: fc.double({ min: 0, max: 5000, noNaN: true }),
    s: fc.nat(4),
  }),
  fc.record({ t: fc.constant("e" as const), code: fc.constantFrom("INVALID_INPUT", "INTERNAL") }),
  fc.record({ t: fc.constant("j" as const), score: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.nat(1) }),
);

function prediction(e: Extract<Event, { t: "p" }>): PredictionRecord {
  return {
    kind: "prediction",
    time: "2001-06-12T14:00:00.000Z",
    request_id: "r",
    protocol: "v1",
    model: "m",
    version: 1,
    arm: "default",
    label: null,
    row: e.row,
    key: null,
    as_of: null,
    fields: null,
    features: [e.a, e.b],
    outputs: {},
    score: 0,
    lookups: [{ lookup: "weather", key: "k", status: STATUSES[e.s] as LookupStatus, updated_at: null }],
    latency_ms: e.ms,
  };
}

function fold(events: readonly Event[]): Aggregate {
  const agg = emptyAggregate();
  for (const e of events) {
    if (e.t === "p") addPrediction(agg, prediction(e), monitoring);
    else if (e.t === "e")
      addError(agg, {
        kind: "error",
        time: "",
        request_id: "r",
        protocol: "v1",
        model: "m",
        version: 1,
        arm: "default",
        code: e.code,
        status: 400,
        latency_ms: 1,
      });
    else addJoined(agg, e.score, e.y, monitoring);
  }
  return agg;
}

/** Reports equal: every number within 1e-9 (relative), everything else exactly. */
function expectSameReport(a: QualityReport, b: QualityReport) {
  const flat = (r: QualityReport) =>
    JSON.stringify(r, (_, v) => (typeof v === "number" ? Number(v.toPrecision(9)) : v));
  expect(flat(a)).toBe(flat(b));
}

describe("merge", () => {
  it("gives the same report for any split of the records and any merge order", () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (events, cuts, order) => {
          const points = [...new Set(cuts.map((c) => c % (events.length + 1)))].sort((x, y) => x - y);
          const parts = [0, ...points, events.length]
            .slice(1)
            .map((end, i, ends) => events.slice(i ? ends[i - 1] : 0, end));
          const buckets = parts.map(fold);
          const shuffled = [...buckets];
          order.forEach((o, i) => {
            const j = o % shuffled.length;
            [shuffled[i % shuffled.length], shuffled[j]] = [
              shuffled[j] as Aggregate,
              shuffled[i % shuffled.length] as Aggregate,
            ];
          });
          const whole = summarize([fold(events)], monitoring.baseline);
          expectSameReport(summarize(shuffled, monitoring.baseline), whole);
          // a right-leaning tree of merges, through JSON (as the Durable Object stores them)
          const viaJson = shuffled.reduceRight((acc, b) => merge(JSON.parse(JSON.stringify(b)), acc), emptyAggregate());
          expectSameReport(summarize([viaJson], monitoring.baseline), whole);
        },
      ),
    );
  });

  it("changes neither argument", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.array(event, { maxLength: 30 }), (x, y) => {
        const a = fold(x);
        const b = fold(y);
        const before = JSON.stringify([a, b]);
        merge(a, b);
        merge(b, a);
        expect(JSON.stringify([a, b])).toBe(before);
      }),
    );
  });
});

describe("size", () => {
  it("stays within 50,000 + 1,200 per feature + 100 per lookup + 40 per error code bytes of JSON", () => {
    const agg = emptyAggregate();
    const big = 1_000_000_000;
    for (let i = -400; i <= 800; i++) agg.latency[String(i)] = big;
    agg.latency.z = big;
    for (let s = 0; s <= 1000; s++) addJoined(agg, s / 1000, s % 2);
    for (const c of Object.values(agg.binary!.bins)) c.splice(0, 2, big, big);
    const features = 20;
    for (let f = 0; f < features; f++) agg.drift[`feature_${f}`] = new Array(102).fill(big);
    for (let l = 0; l < 5; l++) agg.freshness[`lookup_${l}`] = [big, big, big, big, big];
    for (const code of ["INVALID_INPUT", "MODEL_NOT_READY", "INTERNAL", "NOT_FOUND"]) agg.errors[code] = big;
    // the latency bins that can exist at all (values are clamped to [0.001 ms, 1e6 ms])
    for (const k of Object.keys(agg.latency))
      if (k !== "z" && (Number(k) < -348 || Number(k) > 698)) delete agg.latency[k];
    const bytes = new TextEncoder().encode(JSON.stringify(agg)).length;
    expect(bytes).toBeLessThanOrEqual(50_000 + 1_200 * features + 100 * 5 + 40 * 4);
  });
});
