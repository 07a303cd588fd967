/**
 * The live figures of one (model, version, arm, hour) bucket as a JSON-serialisable, mergeable
 * aggregate: the queue consumer folds records into it (addPrediction, addError, addJoined), the
 * Monitor Durable Object stores one per bucket, and report.ts summarises any set of them (a 1 h,
 * 24 h or 7 d window is the merge of its hours). merge() is associative and commutative: counts
 * add exactly; float sums add up to rounding. Size bound: docs/monitoring.md ("Aggregate size").
 */

import { baselineBin } from "./drift.ts";
import { addLatency, type LatencyBins, mergeLatency } from "./latency.ts";
import type { Monitoring } from "./manifest.ts";
import type { ErrorRecord, LookupStatus, PredictionRecord } from "./record.ts";
import {
  type CalibrationBin,
  calibrationBin,
  emptyCalibration,
  mergeScoreBins,
  type ScoreBins,
  scoreBin,
} from "./scores.ts";
import { addPair, type Comparison, mergeComparisons } from "./shadow.ts";

export const AGGREGATE_FORMAT = 1;
export const LOOKUP_STATUSES: readonly LookupStatus[] = ["present", "missing", "stale", "future", "error"];

/** Per lookup: counts of present, missing, stale, future, error (LOOKUP_STATUSES order). */
export type StatusCounts = [number, number, number, number, number];

export interface BinaryAggregate {
  /** Joined rows: negatives and positives. */
  negatives: number;
  positives: number;
  /** Σ −[y·ln p + (1−y)·ln(1−p)], p clipped to [LOG_LOSS_EPS, 1 − LOG_LOSS_EPS]. */
  log_loss_sum: number;
  /** Σ (p − y)². */
  brier_sum: number;
  /**
   * Σ of the squared per-row losses (log loss², Brier²): with the sums and the count, the
   * variance of each per-row loss, what the rollout rule's interval needs (docs/rollouts.md).
   * Absent (null once stored) in buckets folded before they were kept: read with `?? NaN`.
   */
  log_loss_sq?: number | null;
  brier_sq?: number | null;
  bins: ScoreBins;
  calibration: CalibrationBin[];
}

export interface RegressionAggregate {
  n: number;
  abs_sum: number;
  sq_sum: number;
}

export interface Aggregate {
  format: typeof AGGREGATE_FORMAT;
  /** Predicted rows. */
  count: number;
  /** Requests (rows with index 0): what latency is counted over. */
  requests: number;
  /** Failed requests by error code. */
  errors: Record<string, number>;
  /** Latency of answered requests (latency.ts); failed ones are not in it. */
  latency: LatencyBins;
  /** Rows joined with an outcome. */
  joined: number;
  binary: BinaryAggregate | null;
  regression: RegressionAggregate | null;
  /** By feature name (baseline order): served rows per baseline bin; the last slot counts NaN. */
  drift: Record<string, number[]>;
  /** By lookup name. */
  freshness: Record<string, StatusCounts>;
  /** Shadow buckets only: the rows compared with the version that answered them, by that version (shadow.ts). */
  shadow?: Record<string, Comparison>;
}

/**
 * Scores are clipped to [ε, 1 − ε] before the logarithm, ε = float64 machine epsilon (2.22e-16):
 * scikit-learn's `log_loss(eps="auto")`, its default since 1.2 and its only behaviour since 1.5
 * (earlier versions clipped at 1e-15).
 */
export const LOG_LOSS_EPS = Number.EPSILON;

export function emptyAggregate(): Aggregate {
  return {
    format: AGGREGATE_FORMAT,
    count: 0,
    requests: 0,
    errors: {},
    latency: {},
    joined: 0,
    binary: null,
    regression: null,
    drift: {},
    freshness: {},
  };
}

/** Fold one answered row: counts, latency (once per request), drift bins, lookup statuses. */
export function addPrediction(agg: Aggregate, record: PredictionRecord, monitoring?: Monitoring): Aggregate {
  agg.count += 1;
  if (record.row === 0) {
    agg.requests += 1;
    addLatency(agg.latency, record.latency_ms);
  }
  const features = monitoring?.baseline?.features ?? [];
  features.forEach((f, i) => {
    const counts = agg.drift[f.name] ?? new Array(f.edges.length + 2).fill(0);
    const bin = baselineBin(f.edges, record.features[i] ?? Number.NaN);
    const slot = bin < 0 ? f.edges.length + 1 : bin;
    counts[slot] = (counts[slot] ?? 0) + 1;
    agg.drift[f.name] = counts;
  });
  for (const l of record.lookups) {
    const counts = agg.freshness[l.lookup] ?? [0, 0, 0, 0, 0];
    const slot = LOOKUP_STATUSES.indexOf(l.status);
    if (slot >= 0) counts[slot] = (counts[slot] ?? 0) + 1;
    agg.freshness[l.lookup] = counts;
  }
  if (record.served) {
    agg.shadow ??= {};
    addPair(agg.shadow, record);
  }
  return agg;
}

export function addError(agg: Aggregate, record: ErrorRecord): Aggregate {
  agg.errors[record.code] = (agg.errors[record.code] ?? 0) + 1;
  return agg;
}

/** The outcome's class for a binary model: value > positive_above (default 0.5). */
export function outcomeClass(value: number, monitoring?: Monitoring): 0 | 1 {
  return value > (monitoring?.positive_above ?? 0.5) ? 1 : 0;
}

/** Fold one prediction joined with its outcome (task from the manifest; binary when unset). */
export function addJoined(agg: Aggregate, score: number, outcomeValue: number, monitoring?: Monitoring): Aggregate {
  agg.joined += 1;
  if (monitoring?.task === "regression") {
    const r = agg.regression ?? { n: 0, abs_sum: 0, sq_sum: 0 };
    const e = score - outcomeValue;
    r.n += 1;
    r.abs_sum += Math.abs(e);
    r.sq_sum += e * e;
    agg.regression = r;
    return agg;
  }
  const y = outcomeClass(outcomeValue, monitoring);
  const b = agg.binary ?? emptyBinary();
  const p = Math.min(Math.max(score, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
  if (y === 1) b.positives += 1;
  else b.negatives += 1;
  const loss = y === 1 ? -Math.log(p) : -Math.log(1 - p);
  const brier = (score - y) ** 2;
  b.log_loss_sum += loss;
  b.brier_sum += brier;
  b.log_loss_sq = (b.log_loss_sq ?? Number.NaN) + loss * loss;
  b.brier_sq = (b.brier_sq ?? Number.NaN) + brier * brier;
  const key = String(scoreBin(score));
  const cell = b.bins[key] ?? [0, 0];
  cell[y] += 1;
  b.bins[key] = cell;
  const cal = b.calibration[calibrationBin(score)] as CalibrationBin;
  cal[0] += 1;
  cal[1] += score;
  cal[2] += y;
  agg.binary = b;
  return agg;
}

function emptyBinary(): BinaryAggregate {
  return {
    negatives: 0,
    positives: 0,
    log_loss_sum: 0,
    brier_sum: 0,
    log_loss_sq: 0,
    brier_sq: 0,
    bins: {},
    calibration: emptyCalibration(),
  };
}

function addCounts<T extends number[]>(a: T | undefined, b: T): T {
  return (a ? b.map((v, i) => v + (a[i] ?? 0)) : [...b]) as T;
}

function mergeRecords<T extends number[]>(a: Record<string, T>, b: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(a)) out[k] = [...v] as T;
  for (const [k, v] of Object.entries(b)) out[k] = addCounts(out[k], v);
  return out;
}

function mergeBinary(a: BinaryAggregate | null, b: BinaryAggregate | null): BinaryAggregate | null {
  if (!a || !b) return (a ?? b) ? structuredCloneJson(a ?? b) : null;
  return {
    negatives: a.negatives + b.negatives,
    positives: a.positives + b.positives,
    log_loss_sum: a.log_loss_sum + b.log_loss_sum,
    brier_sum: a.brier_sum + b.brier_sum,
    log_loss_sq: (a.log_loss_sq ?? Number.NaN) + (b.log_loss_sq ?? Number.NaN),
    brier_sq: (a.brier_sq ?? Number.NaN) + (b.brier_sq ?? Number.NaN),
    bins: mergeScoreBins(a.bins, b.bins),
    calibration: a.calibration.map((c, i) => addCounts(c, b.calibration[i] as CalibrationBin)),
  };
}

function structuredCloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** A new aggregate holding both (neither argument is changed). */
export function merge(a: Aggregate, b: Aggregate): Aggregate {
  const ra = a.regression;
  const rb = b.regression;
  const errors: Record<string, number> = { ...a.errors };
  for (const [k, n] of Object.entries(b.errors)) errors[k] = (errors[k] ?? 0) + n;
  return {
    format: AGGREGATE_FORMAT,
    count: a.count + b.count,
    requests: a.requests + b.requests,
    errors,
    latency: mergeLatency(a.latency, b.latency),
    joined: a.joined + b.joined,
    binary: mergeBinary(a.binary, b.binary),
    regression:
      ra && rb
        ? { n: ra.n + rb.n, abs_sum: ra.abs_sum + rb.abs_sum, sq_sum: ra.sq_sum + rb.sq_sum }
        : ra || rb
          ? { ...((ra ?? rb) as RegressionAggregate) }
          : null,
    drift: mergeRecords(a.drift, b.drift),
    freshness: mergeRecords(a.freshness, b.freshness),
    ...(a.shadow || b.shadow ? { shadow: mergeComparisons(a.shadow, b.shadow) } : {}),
  };
}
