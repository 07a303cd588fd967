/**
 * Binary classification metrics on probabilities: ROC AUC (ties averaged), log loss,
 * threshold metrics, the max-F1 threshold, ROC points and reliability bins.
 */

/** Indices sorted by score ascending (stable). */
function order(p: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => p[a]! - p[b]! || a - b);
}

/** Area under the ROC curve (Mann–Whitney, ties count one half). */
export function auc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = order(p);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && p[idx[j]!] === p[idx[i]!]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (y[idx[k]!]) (rankSumPos += avgRank), nPos++;
    i = j;
  }
  const nNeg = idx.length - nPos;
  return nPos && nNeg ? (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg) : NaN;
}

export function logLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]!));
    s -= y[i] ? Math.log(q) : Math.log(1 - q);
  }
  return s / p.length;
}

export function brier(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i]! - (y[i] ? 1 : 0)) ** 2;
  return s / p.length;
}

export interface AtThreshold {
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  predicted_late_rate: number;
}

/** Metrics of "late" = p >= threshold. */
export function atThreshold(p: ArrayLike<number>, y: ArrayLike<number>, threshold: number): AtThreshold {
  let tp = 0,
    fp = 0,
    tn = 0,
    fn = 0;
  for (let i = 0; i < p.length; i++) {
    const hat = p[i]! >= threshold;
    if (hat && y[i]) tp++;
    else if (hat) fp++;
    else if (y[i]) fn++;
    else tn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    threshold,
    accuracy: (tp + tn) / p.length,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    predicted_late_rate: (tp + fp) / p.length,
  };
}

/** The threshold maximising F1 (scanning every distinct score; ties broken toward the higher threshold). */
export function maxF1Threshold(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = order(p);
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] ? 1 : 0;
  // Walk thresholds from high to low: everything at index >= i is predicted late.
  let tp = 0,
    predicted = 0,
    best = -1,
    bestT = 0.5;
  for (let i = idx.length - 1; i >= 0; ) {
    let j = i;
    while (j >= 0 && p[idx[j]!] === p[idx[i]!]) {
      if (y[idx[j]!]) tp++;
      predicted++;
      j--;
    }
    const f1 = (2 * tp) / (predicted + pos);
    if (f1 > best) (best = f1), (bestT = p[idx[i]!]!);
    i = j;
  }
  return bestT;
}

/** ROC curve points (fpr, tpr), thinned to about `points` entries. */
export function rocCurve(p: ArrayLike<number>, y: ArrayLike<number>, points = 200): { fpr: number; tpr: number }[] {
  const idx = order(p);
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] ? 1 : 0;
  const neg = y.length - pos;
  const out = [{ fpr: 0, tpr: 0 }];
  const every = Math.max(1, Math.floor(idx.length / points));
  let tp = 0,
    fp = 0;
  for (let k = idx.length - 1, n = 1; k >= 0; k--, n++) {
    if (y[idx[k]!]) tp++;
    else fp++;
    if (n % every === 0) out.push({ fpr: fp / neg, tpr: tp / pos });
  }
  out.push({ fpr: 1, tpr: 1 });
  return out.map((d) => ({ fpr: round(d.fpr, 5), tpr: round(d.tpr, 5) }));
}

export interface Bin {
  bin: number;
  mean_predicted: number;
  observed_rate: number;
  count: number;
}

/** Reliability diagram: `bins` equal-width bins of predicted probability. */
export function calibration(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): Bin[] {
  const sum = new Array<number>(bins).fill(0),
    pos = new Array<number>(bins).fill(0),
    n = new Array<number>(bins).fill(0);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.floor(p[i]! * bins));
    sum[b]! += p[i]!;
    pos[b]! += y[i] ? 1 : 0;
    n[b]!++;
  }
  return n
    .map((c, b) => ({
      bin: b,
      mean_predicted: c ? round(sum[b]! / c, 5) : 0,
      observed_rate: c ? round(pos[b]! / c, 5) : 0,
      count: c,
    }))
    .filter((b) => b.count > 0);
}

export const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

export interface Summary {
  rows: number;
  base_rate: number;
  auc: number;
  log_loss: number;
  brier: number;
  mean_predicted: number;
  at_threshold: AtThreshold;
}

/** The headline numbers, rounded to 6 digits (stable across runs and JSON). */
export function summary(p: ArrayLike<number>, y: ArrayLike<number>, threshold: number): Summary {
  let late = 0,
    mean = 0;
  for (let i = 0; i < y.length; i++) (late += y[i] ? 1 : 0), (mean += p[i]!);
  const t = atThreshold(p, y, threshold);
  return {
    rows: y.length,
    base_rate: round(late / y.length),
    auc: round(auc(p, y)),
    log_loss: round(logLoss(p, y)),
    brier: round(brier(p, y)),
    mean_predicted: round(mean / y.length),
    at_threshold: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v)])) as unknown as AtThreshold,
  };
}
