/**
 * A training baseline (manifest `monitoring.baseline`) from a feature matrix: per feature, bin
 * edges and the share of training rows in each bin. A feature with at most `bins` distinct
 * values (one-hot, categorical, flags) gets one bin per value (edges halfway between them); any
 * other gets quantile bins: interior edges at the 1/bins … (bins−1)/bins quantiles (numpy's
 * default "linear" method), duplicates dropped. Bins follow drift.ts: [e_{i-1}, e_i).
 */
import { baselineBin } from "./drift.ts";
import type { BaselineFeature } from "./manifest.ts";

export const DEFAULT_BASELINE_BINS = 10;

/** numpy.quantile(sorted, q) with its default "linear" interpolation. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

function distinct(sorted: Float64Array, max: number): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    if (i === 0 || v !== sorted[i - 1]) {
      out.push(v);
      if (out.length > max) return null;
    }
  }
  return out;
}

/** Edges and shares of one feature's training values (NaN values are left out). */
export function baselineFeature(
  name: string,
  values: ArrayLike<number>,
  bins = DEFAULT_BASELINE_BINS,
): BaselineFeature {
  const finite = Float64Array.from(Array.from(values).filter((v) => !Number.isNaN(v))).sort();
  if (finite.length === 0) return { name, edges: [], shares: [1] };
  const levels = distinct(finite, bins);
  const edges = levels
    ? levels.slice(1).map((v, i) => ((levels[i] as number) + v) / 2)
    : [...new Set(Array.from({ length: bins - 1 }, (_, i) => quantile(finite, (i + 1) / bins)))];
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of finite) {
    const b = baselineBin(edges, v);
    counts[b] = (counts[b] as number) + 1;
  }
  return { name, edges, shares: counts.map((c) => c / finite.length) };
}

/** A baseline for every column of a row-major matrix of `names.length` columns. */
export function baselineOf(
  x: ArrayLike<number>,
  names: readonly string[],
  bins = DEFAULT_BASELINE_BINS,
): BaselineFeature[] {
  const cols = names.length;
  const rows = Math.floor(x.length / cols);
  return names.map((name, j) => {
    const column = new Float64Array(rows);
    for (let r = 0; r < rows; r++) column[r] = x[r * cols + j] as number;
    return baselineFeature(name, column, bins);
  });
}
