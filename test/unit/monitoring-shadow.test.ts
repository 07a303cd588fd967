/**
 * Shadow against served, as the Monitor folds it (core/monitoring/shadow.ts through aggregate.ts
 * and report.ts): every figure of `report.shadow` equals a brute-force computation on fixed pairs
 * (exact counts and mean; quantiles within the stated relative error of numpy's "lower" quantile),
 * whatever the order and grouping of the folds. And the recorded context a shadow reads from: the
 * keys the answer read are not read again, others are.
 */
import { describe, expect, it } from "vitest";
import { addPrediction, emptyAggregate, merge } from "../../src/core/monitoring/aggregate.ts";
import type { PredictionRecord } from "../../src/core/monitoring/record.ts";
import { summarize } from "../../src/core/monitoring/report.ts";
import { predictedClass } from "../../src/core/monitoring/shadow.ts";
import type { ContextResult, ContextStore } from "../../src/core/pipeline/context-store.ts";
import { recordingStore } from "../../src/core/serving/shadow.ts";

/** A seeded generator (mulberry32), so the fixed pairs are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pair {
  served: number;
  shadow: number;
  servedVersion: number;
}

/** 600 pairs: most close, some far, some identical, a few with a NaN side; served by versions 1 and 2. */
function pairs(): Pair[] {
  const r = random(20);
  return Array.from({ length: 600 }, (_, i) => {
    const served = r();
    const kind = i % 10;
    const shadow =
      kind === 0
        ? served
        : kind === 1
          ? Math.min(1, Math.max(0, served + (r() - 0.5) * 0.6))
          : i % 97 === 3
            ? Number.NaN
            : Math.min(1, Math.max(0, served + (r() - 0.5) * 0.02));
    return { served, shadow, servedVersion: i % 3 === 0 ? 2 : 1 };
  });
}

function record(p: Pair, i: number): PredictionRecord {
  return {
    kind: "prediction",
    time: "2001-06-12T10:00:00.000Z",
    request_id: `r${i}`,
    protocol: "v1",
    model: "flights",
    version: 7,
    arm: "shadow",
    label: null,
    row: 0,
    key: `k${i}`,
    as_of: null,
    fields: null,
    features: [],
    outputs: { p: [p.shadow] },
    score: p.shadow,
    lookups: [],
    latency_ms: 1,
    served: {
      version: p.servedVersion,
      arm: "default",
      score: p.served,
      // The class each side predicts, by the definition in docs/monitoring.md, computed here.
      same_class: p.served > 0.5 === p.shadow > 0.5,
    },
  };
}

/** numpy.quantile(values, q, method="lower"). */
const lower = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

describe("the shadow comparison in the quality report", () => {
  it("equals a brute-force computation on fixed pairs, per served version, however the folds are grouped", () => {
    const all = pairs();
    const records = all.map(record);
    // Folded in three uneven groups (three hours, say), merged in another order, through JSON.
    const groups = [records.slice(0, 101), records.slice(101, 450), records.slice(450)];
    const aggs = groups.map((g) =>
      JSON.parse(JSON.stringify(g.reduce((a, r) => addPrediction(a, r), emptyAggregate()))),
    );
    const report = summarize([aggs[2], aggs[0], aggs[1]]);
    expect(report.count).toBe(600);
    expect(report.shadow.map((s) => s.served_version)).toEqual([1, 2]);
    const once = summarize([aggs.reduce(merge, emptyAggregate())]);
    expect(once.shadow).toEqual(report.shadow);

    for (const figures of report.shadow) {
      const mine = all.filter((p) => p.servedVersion === figures.served_version);
      const scored = mine.filter((p) => Number.isFinite(p.shadow) && Number.isFinite(p.served));
      const diffs = scored.map((p) => Math.abs(p.shadow - p.served)).sort((a, b) => a - b);
      const same = mine.filter((p) => p.served > 0.5 === p.shadow > 0.5).length;
      expect(figures.pairs).toBe(mine.length);
      expect(figures.agreement).toBe(same / mine.length);
      expect(figures.scored).toBe(scored.length);
      expect(scored.length).toBeLessThan(mine.length); // the NaN pairs are left out of the differences
      expect(figures.mean_abs_diff).toBeCloseTo(diffs.reduce((s, d) => s + d, 0) / diffs.length, 12);
      for (const t of [0.001, 0.01, 0.05, 0.1])
        expect(figures.within[String(t)], `within ${t}`).toBe(diffs.filter((d) => d <= t).length / diffs.length);
      const q = figures.abs_diff!;
      for (const [name, level] of [
        ["p50", 0.5],
        ["p95", 0.95],
        ["p99", 0.99],
      ] as const) {
        const exact = lower(diffs, level);
        // Exact zeros (identical scores) are answered as 0; every other value within the relative error.
        if (exact === 0) expect(q[name]).toBe(0);
        else
          expect(Math.abs(q[name] - exact) / exact, `${name}: ${q[name]} vs ${exact}`).toBeLessThanOrEqual(
            q.relative_error,
          );
      }
      expect(q.relative_error).toBeLessThan(0.01);
    }
  });

  it("is empty for rows that are not a shadow's", () => {
    const { served: _served, ...plain } = record({ served: 0.2, shadow: 0.2, servedVersion: 1 }, 0);
    expect(summarize([addPrediction(emptyAggregate(), { ...plain, arm: "default" })]).shadow).toEqual([]);
    expect(JSON.stringify(addPrediction(emptyAggregate(), { ...plain, arm: "default" }))).not.toContain("shadow");
  });

  it("predicts a class as the docs say: one value above 0.5, else the first largest of several", () => {
    expect([0.5, 0.5000001, 0, 1].map((v) => predictedClass([v]))).toEqual([0, 1, 0, 1]);
    expect(predictedClass([0.1, 0.7, 0.2])).toBe(1);
    expect(predictedClass([0.4, 0.1, 0.4])).toBe(0);
    expect(predictedClass([Number.NaN, 0.3, 0.2])).toBe(1);
  });
});

/** A Map-backed store that counts the keys it is asked for. */
function countingStore(values: Record<string, unknown>, fail: string[] = []) {
  const asked: string[][] = [];
  const store: ContextStore = {
    async getMany(keys): Promise<ContextResult> {
      asked.push([...keys]);
      const found = new Map(keys.filter((k) => k in values).map((k) => [k, values[k]]));
      const failed = new Set(keys.filter((k) => fail.includes(k)));
      return { values: found, degraded: failed.size > 0, ...(failed.size ? { failed } : {}) };
    },
  };
  return { store, asked };
}

describe("the recorded context a shadow reads", () => {
  it("answers the keys the answer read (found, absent or failed) without reading them again", async () => {
    const { store, asked } = countingStore({ a: 1, b: { x: 2 } }, ["c"]);
    const { recording, replay } = recordingStore(store);
    const first = await recording.getMany(["a", "b", "c", "d"]);
    expect(asked).toEqual([["a", "b", "c", "d"]]);
    const again = await replay.getMany(["a", "b", "c", "d"]);
    expect(asked).toHaveLength(1);
    expect([...again.values]).toEqual([...first.values]);
    expect(again.values.has("d")).toBe(false);
    expect([...(again.failed ?? [])]).toEqual(["c"]);
    expect(again.degraded).toBe(true);
  });

  it("reads only the keys the answer never asked for (a shadow with other context), in one call", async () => {
    const { store, asked } = countingStore({ a: 1, e: 5, f: 6 });
    const { recording, replay } = recordingStore(store);
    await recording.getMany(["a", "b"]);
    const result = await replay.getMany(["a", "e", "b", "f"]);
    expect(asked).toEqual([
      ["a", "b"],
      ["e", "f"],
    ]);
    expect(Object.fromEntries(result.values)).toEqual({ a: 1, e: 5, f: 6 });
    expect(result.degraded).toBe(false);
    expect(result.failed).toBeUndefined();
  });
});
