/**
 * Shadow and served, row by row (docs/monitoring.md, "Shadow versions"): a shadow row carries what
 * the answering version said for the same row (`served`, record.ts), and the Monitor folds each
 * such pair into a mergeable comparison per served version: how often both predict the same
 * class, and the distribution of |shadow score − served score| (exact mean and shares within
 * fixed tolerances; quantiles from log-spaced bins within LATENCY_RELATIVE_ERROR).
 */
import { LATENCY_RELATIVE_ERROR, type LatencyBins, latencyQuantile, logBin, mergeLatency } from "./latency.ts";
import type { PredictionRecord } from "./record.ts";

/** |Δscore| tolerances whose shares every comparison reports exactly. */
export const DIFF_TOLERANCES = [0.001, 0.01, 0.05, 0.1] as const;
/** Differences are binned on [DIFF_MIN, DIFF_MAX] (smaller non-zero ones count as DIFF_MIN); exact zeros apart. */
export const DIFF_MIN = 1e-9;
export const DIFF_MAX = 1e9;

/**
 * The class a row's score output predicts: for one value, 1 when it is above 0.5 (a probability),
 * else 0; for several, the index of the largest (the first of equal ones; NaN never wins; -1 when
 * there is no number at all).
 */
export function predictedClass(values: readonly number[]): number {
  if (values.length === 1) return values[0]! > 0.5 ? 1 : 0;
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    if (best < 0 || values[i]! > values[best]!) best = i;
  }
  return best;
}

/** One served version's pairs with the shadow (the Aggregate's `shadow` entries). */
export interface Comparison {
  /** Rows compared. */
  pairs: number;
  /** Pairs predicting the same class. */
  same_class: number;
  /** Pairs whose scores are both finite: what the differences are over. */
  scored: number;
  /** Σ |Δscore| over scored pairs. */
  abs_sum: number;
  /** Scored pairs with |Δscore| ≤ each of DIFF_TOLERANCES. */
  within: number[];
  /** |Δscore| in log-spaced bins (latency.ts mapping on [DIFF_MIN, DIFF_MAX]). */
  diffs: LatencyBins;
}

export function emptyComparison(): Comparison {
  return { pairs: 0, same_class: 0, scored: 0, abs_sum: 0, within: DIFF_TOLERANCES.map(() => 0), diffs: {} };
}

/** Folds a shadow row (one with `served`) into its comparison with the served version. */
export function addPair(into: Record<string, Comparison>, record: PredictionRecord): void {
  const served = record.served;
  if (!served) return;
  const key = String(served.version);
  const c = into[key] ?? emptyComparison();
  c.pairs += 1;
  if (served.same_class) c.same_class += 1;
  // NaN crosses the queue's JSON as null.
  const shadow = record.score ?? Number.NaN;
  const answered = served.score ?? Number.NaN;
  const diff = Math.abs(shadow - answered);
  if (Number.isFinite(diff)) {
    c.scored += 1;
    c.abs_sum += diff;
    DIFF_TOLERANCES.forEach((t, i) => {
      if (diff <= t) c.within[i] = (c.within[i] ?? 0) + 1;
    });
    const bin = logBin(diff, DIFF_MIN, DIFF_MAX);
    c.diffs[bin] = (c.diffs[bin] ?? 0) + 1;
  }
  into[key] = c;
}

export function mergeComparisons(
  a: Record<string, Comparison> | undefined,
  b: Record<string, Comparison> | undefined,
): Record<string, Comparison> {
  const out: Record<string, Comparison> = {};
  for (const side of [a, b]) {
    for (const [k, c] of Object.entries(side ?? {})) {
      const o = out[k] ?? emptyComparison();
      out[k] = {
        pairs: o.pairs + c.pairs,
        same_class: o.same_class + c.same_class,
        scored: o.scored + c.scored,
        abs_sum: o.abs_sum + c.abs_sum,
        within: o.within.map((n, i) => n + (c.within[i] ?? 0)),
        diffs: mergeLatency(o.diffs, c.diffs),
      };
    }
  }
  return out;
}

/** The figures of a shadow's comparison with one served version (QualityReport `shadow`). */
export interface ShadowFigures {
  /** The version that answered the requests the shadow ran on. */
  served_version: number;
  pairs: number;
  /** Share of pairs predicting the same class. */
  agreement: number;
  /** Over pairs whose scores are both finite: mean |Δscore| and its quantiles (numpy "lower"). */
  scored: number;
  mean_abs_diff: number | null;
  abs_diff: { p50: number; p95: number; p99: number; relative_error: number } | null;
  /** Share of scored pairs with |Δscore| ≤ t, by tolerance ("0.001", "0.01", "0.05", "0.1"). */
  within: Record<string, number>;
}

export function shadowFigures(comparisons: Record<string, Comparison> | undefined): ShadowFigures[] {
  return Object.entries(comparisons ?? {})
    .map(([version, c]) => {
      const p50 = latencyQuantile(c.diffs, 0.5);
      return {
        served_version: Number(version),
        pairs: c.pairs,
        agreement: c.pairs > 0 ? c.same_class / c.pairs : 0,
        scored: c.scored,
        mean_abs_diff: c.scored > 0 ? c.abs_sum / c.scored : null,
        abs_diff:
          p50 === null
            ? null
            : {
                p50,
                p95: latencyQuantile(c.diffs, 0.95) as number,
                p99: latencyQuantile(c.diffs, 0.99) as number,
                relative_error: LATENCY_RELATIVE_ERROR,
              },
        within: Object.fromEntries(
          DIFF_TOLERANCES.map((t, i) => [String(t), c.scored > 0 ? (c.within[i] ?? 0) / c.scored : 0]),
        ),
      };
    })
    .sort((x, y) => x.served_version - y.served_version);
}
