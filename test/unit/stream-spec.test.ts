/**
 * Stream declarations (src/core/streams/spec.ts) and the manifest lookups that read them:
 * validation names the part at fault; a lookup with `stream` computes its `<aggregation>_<window>`
 * fields at the row's as_of from the bucketed value (never an event at or after as_of), and
 * `streamLookupProblems` refuses a lookup that does not fit the published stream.
 */
import { describe, expect, it } from "vitest";
import { resolveLookup } from "../../src/core/context/lookups.ts";
import { LookupSchema } from "../../src/core/context/spec.ts";
import { parseStreamEvents } from "../../src/core/streams/events.ts";
import { streamLookupProblems } from "../../src/core/streams/lookup-check.ts";
import { durationMs, StreamSchema } from "../../src/core/streams/spec.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12);

const stream = {
  name: "mail",
  id_field: "id",
  time_field: "at",
  lateness: "10m",
  fields: [
    { name: "id", dtype: "string" },
    { name: "at", dtype: "string" },
    { name: "sender", dtype: "string" },
    { name: "size", dtype: "int32" },
    { name: "spam", dtype: "bool" },
  ],
  entities: [{ name: "sender", key: "sender:{sender}" }],
  aggregations: [
    {
      name: "spam",
      entity: "sender",
      function: "count",
      filter: { field: "spam", equals: true },
      windows: ["1h", "24h"],
      bucket: "5m",
    },
    { name: "size", entity: "sender", function: "mean", field: "size", windows: ["1h"], bucket: "5m" },
  ],
};

describe("stream declarations", () => {
  it("parse durations", () => {
    expect([durationMs("30s"), durationMs("10m"), durationMs("24h"), durationMs("7d")]).toEqual([
      30_000, 600_000, 86_400_000, 604_800_000,
    ]);
    expect([durationMs("1w"), durationMs("0m"), durationMs("1.5h"), durationMs(5)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it.each([
    [{ ...stream, time_field: "size" }, /time_field 'size' must name a string field/],
    [{ ...stream, entities: [{ name: "sender", key: "sender:{from}" }] }, /names 'from', which is not a field/],
    [
      { ...stream, aggregations: [{ ...stream.aggregations[0], windows: ["7m"] }] },
      /window 7m is not a whole number of 5m buckets/,
    ],
    [
      { ...stream, aggregations: [{ ...stream.aggregations[1], field: "spam" }] },
      /mean needs a numeric field, 'spam' is bool/,
    ],
    [{ ...stream, aggregations: [{ ...stream.aggregations[0], entity: "card" }] }, /entity 'card' is not declared/],
    [{ ...stream, aggregations: [{ ...stream.aggregations[0], align: "hour" }] }, /as_of.*bucket/],
  ])("refuse a broken declaration, naming the part (%#)", (doc, message) => {
    const parsed = StreamSchema.safeParse(doc);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.message).join("; ")).toMatch(message);
  });

  it("split events by entity key, with the filter and the field read per aggregation", () => {
    const s = StreamSchema.parse(stream);
    const at = new Date(T0).toISOString();
    const { byKey } = parseStreamEvents(s, {
      events: [
        { id: "1", at, sender: "a", size: 5, spam: true },
        { id: "2", at, sender: "b", size: 7, spam: false },
      ],
    });
    expect([...byKey]).toEqual([
      ["s:mail:sender:a", { entity: "sender", updates: [{ id: "1", time: T0, aggs: { spam: null, size: 5 } }] }],
      ["s:mail:sender:b", { entity: "sender", updates: [{ id: "2", time: T0, aggs: { size: 7 } }] }],
    ]);
  });
});

describe("a manifest lookup reading a stream", () => {
  const lookup = LookupSchema.parse({
    name: "sender",
    stream: "mail",
    key: "s:mail:sender:{from}",
    max_age_s: 86400,
    fields: [
      { name: "spam_1h", dtype: "int32", default: 0 },
      { name: "spam_24h", dtype: "float32", default: 0 },
      { name: "size_1h", dtype: "float32", default: -1 },
    ],
  });
  const value = {
    updated_at: new Date(T0 + 70 * MIN).toISOString(),
    aggs: {
      spam: {
        fn: "count",
        bucket_ms: 5 * MIN,
        from: 0,
        b: [
          [T0, 2],
          [T0 + 30 * MIN, 1],
          [T0 + 70 * MIN, 4],
        ],
      },
      size: { fn: "mean", bucket_ms: 5 * MIN, from: 0, b: [[T0 + 30 * MIN, 2, 30]] },
    },
  };
  const found = (v: unknown) => ({ values: new Map([["s:mail:sender:a", v]]) });

  it("computes each window at as_of, even from a value written later, with defaults for empty windows", () => {
    // At T0+40m: buckets T0 and T0+30m are closed; T0+70m is in the future and never counts.
    const at40 = resolveLookup(lookup, "s:mail:sender:a", found(value), T0 + 40 * MIN);
    expect(at40).toMatchObject({ status: "present", values: { spam_1h: 3, spam_24h: 3, size_1h: 15 } });
    const at2 = resolveLookup(lookup, "s:mail:sender:a", found(value), T0 + 2 * MIN);
    expect(at2).toMatchObject({ status: "present", values: { spam_1h: 0, spam_24h: 0, size_1h: -1 } });
    // Two days on, nothing new: older than max_age_s, so the defaults (policy "default").
    expect(resolveLookup(lookup, "s:mail:sender:a", found(value), T0 + 48 * 60 * MIN).status).toBe("stale");
    expect(resolveLookup(lookup, "s:mail:sender:a", found({ updated_at: value.updated_at }), T0).status).toBe("error");
  });

  it("fits the published stream, or says why not", () => {
    const s = StreamSchema.parse(stream);
    expect(streamLookupProblems(lookup, s)).toEqual([]);
    const wrong = LookupSchema.parse({
      ...lookup,
      key: "s:mail:from:{from}",
    });
    expect(streamLookupProblems(wrong, s).join()).toMatch(/is not an entity key of stream 'mail'/);
    const badFields = LookupSchema.parse({
      ...lookup,
      fields: [
        { name: "spam_10m", dtype: "int32", default: 0 },
        { name: "size_1h", dtype: "int32", default: 0 },
        { name: "ham_1h", dtype: "int32", default: 0 },
      ],
    });
    expect(streamLookupProblems(badFields, s)).toEqual([
      "lookup 'sender'.spam_10m: aggregation 'spam' has windows 1h, 24h",
      "lookup 'sender'.size_1h: mean of size gives float32, not int32",
      "lookup 'sender'.ham_1h: stream 'mail' has no aggregation 'ham' of entity 'sender'",
    ]);
  });
});
