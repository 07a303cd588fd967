/**
 * The rollout rule's statistics (src/core/rollouts/stats.ts) against scipy on fixed data
 * (test/fixtures/rollouts-reference.json, written by scripts/references/rollouts.py): Welch's
 * one-sided upper bound on a difference of mean per-row losses, computed here from each arm's
 * moments (count, Σ, Σ²) alone, equals scipy's `ttest_ind(..., equal_var=False,
 * alternative="less").confidence_interval()` on the raw rows; t and normal quantiles and
 * Wilson's bound equal scipy's.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { LOG_LOSS_EPS } from "../../src/core/monitoring/aggregate.ts";
import {
  type Moments,
  normalQuantile,
  studentQuantile,
  welchUpper,
  wilsonLower,
} from "../../src/core/rollouts/stats.ts";

interface Arm {
  scores: number[];
  labels: number[];
}
interface Welch {
  estimate: number;
  upper: number;
  df: number;
}
const ref = JSON.parse(readFileSync(resolve(import.meta.dirname, "../fixtures/rollouts-reference.json"), "utf8")) as {
  welch: Array<{ confidence: number; canary: Arm; stable: Arm; log_loss: Welch; brier: Welch }>;
  t_quantiles: Array<{ p: number; df: number; t: number }>;
  normal_quantiles: Array<{ p: number; z: number }>;
  wilson: Array<{ k: number; n: number; confidence: number; low: number }>;
};

/** Moments of the per-row losses, as the Monitor's aggregates add them up row by row. */
function moments(arm: Arm, loss: (p: number, y: number) => number): Moments {
  const m = { n: 0, sum: 0, sumsq: 0 };
  arm.scores.forEach((p, i) => {
    const l = loss(p, arm.labels[i]!);
    m.n += 1;
    m.sum += l;
    m.sumsq += l * l;
  });
  return m;
}
const logLoss = (p: number, y: number) => {
  const c = Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
  return y === 1 ? -Math.log(c) : -Math.log(1 - c);
};
const brier = (p: number, y: number) => (p - y) ** 2;

const close = (actual: number, expected: number, rel = 1e-9) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));

describe("Welch's upper bound from moments equals scipy's on the rows", () => {
  it.each(ref.welch.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
    for (const [metric, loss] of [
      ["log_loss", logLoss],
      ["brier", brier],
    ] as const) {
      const w = welchUpper(moments(c.canary, loss), moments(c.stable, loss), c.confidence);
      close(w.estimate, c[metric].estimate);
      close(w.df, c[metric].df, 1e-8);
      close(w.upper, c[metric].upper, 1e-8);
    }
  });

  it("has one row per arm at least twice before it answers a number", () => {
    const w = welchUpper({ n: 1, sum: 0.3, sumsq: 0.09 }, { n: 10, sum: 3, sumsq: 1 }, 0.95);
    expect(Number.isNaN(w.upper)).toBe(true);
  });
});

describe("quantiles and Wilson's bound equal scipy's", () => {
  it("Student t quantiles (fractional df too)", () => {
    for (const q of ref.t_quantiles) close(studentQuantile(q.p, q.df), q.t, 1e-9);
  });
  it("normal quantiles", () => {
    for (const q of ref.normal_quantiles) close(normalQuantile(q.p), q.z, 1e-8);
  });
  it("Wilson's one-sided lower bound", () => {
    for (const w of ref.wilson) close(wilsonLower(w.k, w.n, w.confidence), w.low, 1e-8);
  });
});
