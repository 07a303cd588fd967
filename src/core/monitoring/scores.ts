/**
 * Binary quality from mergeable bins: per-class counts over SCORE_BINS equal bins of [0, 1]
 * (AUC and the ROC curve) and a 10-bin calibration table (sklearn's `calibration_curve`,
 * strategy "uniform"). AUC from the bins counts a positive and a negative in the same bin as
 * half a concordant pair; the exact AUC differs only on those pairs, so
 * |AUC_bins − AUC_exact| ≤ ½·Σ_b pos_b·neg_b / (P·N), a bound each report states (`auc_bound`).
 */

export const SCORE_BINS = 1000;
export const CALIBRATION_BINS = 10;
/** At most this many points of the binned ROC curve go into a report. */
export const ROC_POINTS = 201;

/** Sparse score bins: bin index -> [negatives, positives]. */
export type ScoreBins = Record<string, [number, number]>;
/** One calibration bin: [count, sum of scores, positives]. */
export type CalibrationBin = [number, number, number];

export function scoreBin(p: number): number {
  const v = Number.isFinite(p) ? Math.min(Math.max(p, 0), 1) : 0;
  return Math.min(SCORE_BINS - 1, Math.floor(v * SCORE_BINS));
}

/**
 * sklearn's uniform calibration bins: edges linspace(0, 1, 11); a score goes to the number of
 * interior edges strictly below it (`np.searchsorted(bins[1:-1], p)`), so 0.1 falls in bin 0.
 */
export function calibrationBin(p: number): number {
  let i = 0;
  for (let e = 1; e < CALIBRATION_BINS; e++) if (e * (1 / CALIBRATION_BINS) < p) i = e;
  return i;
}

export function emptyCalibration(): CalibrationBin[] {
  return Array.from({ length: CALIBRATION_BINS }, () => [0, 0, 0] as CalibrationBin);
}

export function mergeScoreBins(a: ScoreBins, b: ScoreBins): ScoreBins {
  const out: ScoreBins = {};
  for (const [k, [n, p]] of Object.entries(a)) out[k] = [n, p];
  for (const [k, [n, p]] of Object.entries(b)) {
    const cur = out[k];
    out[k] = cur ? [cur[0] + n, cur[1] + p] : [n, p];
  }
  return out;
}

function ascending(bins: ScoreBins): [number, number, number][] {
  return Object.entries(bins)
    .map(([k, [n, p]]) => [Number(k), n, p] as [number, number, number])
    .sort((x, y) => x[0] - y[0]);
}

/** AUC from the bins (ties within a bin count half) and its bound against the exact AUC. */
export function binnedAuc(bins: ScoreBins): { auc: number; bound: number } | null {
  let negBelow = 0;
  let concordant = 0;
  let tied = 0;
  let pos = 0;
  for (const [, n, p] of ascending(bins)) {
    concordant += p * (negBelow + 0.5 * n);
    tied += p * n;
    negBelow += n;
    pos += p;
  }
  const pairs = pos * negBelow;
  if (pairs === 0) return null;
  return { auc: concordant / pairs, bound: (0.5 * tied) / pairs };
}

/** ROC points [fpr, tpr] from the highest threshold down, at most ROC_POINTS of them. */
export function binnedRoc(bins: ScoreBins): [number, number][] {
  const rows = ascending(bins).reverse();
  const negatives = rows.reduce((s, r) => s + r[1], 0);
  const positives = rows.reduce((s, r) => s + r[2], 0);
  if (negatives === 0 || positives === 0) return [];
  const points: [number, number][] = [[0, 0]];
  let fp = 0;
  let tp = 0;
  for (const [, n, p] of rows) {
    fp += n;
    tp += p;
    points.push([fp / negatives, tp / positives]);
  }
  if (points.length <= ROC_POINTS) return points;
  const step = (points.length - 1) / (ROC_POINTS - 1);
  return Array.from({ length: ROC_POINTS }, (_, i) => points[Math.round(i * step)] as [number, number]);
}
