/**
 * Exact figures from raw data: the definitions the binned aggregates approximate, each checked
 * against scikit-learn / scipy / numpy on fixed data (test/fixtures/monitoring-reference.json).
 * Offline evaluation and tests use them; the live path never holds raw rows.
 */
import { LOG_LOSS_EPS } from "./aggregate.ts";
import { baselineBin } from "./drift.ts";
import { CALIBRATION_BINS, calibrationBin } from "./scores.ts";

/** ROC AUC with ties counted half (sklearn's `roc_auc_score`), by mid-ranks. Null with one class only. */
export function rocAuc(y: readonly number[], p: readonly number[]): number | null {
  const idx = p.map((_, i) => i).sort((a, b) => (p[a] as number) - (p[b] as number));
  const ranks = new Array<number>(p.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && p[idx[j + 1] as number] === p[idx[i] as number]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k] as number] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  y.forEach((v, i) => {
    if (v === 1) {
      pos++;
      rankSum += ranks[i] as number;
    }
  });
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** sklearn's `log_loss` (scores clipped at float64 epsilon, its default `eps="auto"`). */
export function logLoss(y: readonly number[], p: readonly number[]): number {
  let s = 0;
  y.forEach((v, i) => {
    const q = Math.min(Math.max(p[i] as number, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    s -= v === 1 ? Math.log(q) : Math.log(1 - q);
  });
  return s / y.length;
}

export function brier(y: readonly number[], p: readonly number[]): number {
  return y.reduce((s, v, i) => s + ((p[i] as number) - v) ** 2, 0) / y.length;
}

/** sklearn's `calibration_curve(n_bins=10, strategy="uniform")` with the counts, empty bins kept as null. */
export function calibrationCurve(y: readonly number[], p: readonly number[]) {
  const n = new Array<number>(CALIBRATION_BINS).fill(0);
  const sum = new Array<number>(CALIBRATION_BINS).fill(0);
  const pos = new Array<number>(CALIBRATION_BINS).fill(0);
  p.forEach((v, i) => {
    const b = calibrationBin(v);
    n[b] = (n[b] as number) + 1;
    sum[b] = (sum[b] as number) + v;
    pos[b] = (pos[b] as number) + (y[i] as number);
  });
  return n.map((c, b) => ({
    count: c,
    mean_score: c > 0 ? (sum[b] as number) / c : null,
    positive_share: c > 0 ? (pos[b] as number) / c : null,
  }));
}

export function meanAbsoluteError(y: readonly number[], pred: readonly number[]): number {
  return y.reduce((s, v, i) => s + Math.abs((pred[i] as number) - v), 0) / y.length;
}

export function rootMeanSquaredError(y: readonly number[], pred: readonly number[]): number {
  return Math.sqrt(y.reduce((s, v, i) => s + ((pred[i] as number) - v) ** 2, 0) / y.length);
}

/** Rows per baseline bin (k edges, k+1 bins; NaN dropped). */
export function binCounts(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    const b = baselineBin(edges, v);
    if (b >= 0) counts[b] = (counts[b] as number) + 1;
  }
  return counts;
}

/** numpy's `quantile(..., method="lower")`: the value of rank floor(q·(n−1)). */
export function quantileLower(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}
