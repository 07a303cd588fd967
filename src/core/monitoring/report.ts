/**
 * What the live figures look like to readers: `summarize` turns a set of bucket aggregates (a
 * window's hours) into a QualityReport, the figure set of GET /v2/models/{name}/quality (one per
 * version, arm and window: QualityDocument), the /monitor page and `npm run monitor`.
 * Formulas and bounds: docs/monitoring.md ("Live quality", "Drift", "Context freshness").
 */
import { type Aggregate, emptyAggregate, LOOKUP_STATUSES, merge } from "./aggregate.ts";
import { jensenShannon, psi } from "./drift.ts";
import { LATENCY_RELATIVE_ERROR, latencyQuantile } from "./latency.ts";
import type { Monitoring } from "./manifest.ts";
import type { Arm, LookupStatus } from "./record.ts";
import { binnedAuc, binnedRoc } from "./scores.ts";
import { type ShadowFigures, shadowFigures } from "./shadow.ts";

export type Baseline = NonNullable<Monitoring["baseline"]>;

export interface CalibrationRow {
  /** The bin's score range [lo, hi] (sklearn's uniform bins: (lo, hi], the first [0, 0.1]). */
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted score in the bin (`calibration_curve`'s prob_pred), null when empty. */
  mean_score: number | null;
  /** Share of positives in the bin (`calibration_curve`'s prob_true), null when empty. */
  positive_share: number | null;
}

export interface BinaryFigures {
  positives: number;
  negatives: number;
  /** AUC from the score bins; null when one class is absent. */
  auc: number | null;
  /** |auc − exact AUC| ≤ auc_bound (pairs tied within a bin). */
  auc_bound: number | null;
  log_loss: number;
  brier: number;
  /** Binned ROC curve, [fpr, tpr] from (0, 0) to (1, 1), at most 201 points. */
  roc: [number, number][];
  calibration: CalibrationRow[];
}

export interface DriftFigure {
  feature: string;
  /** Served rows counted (NaN values are counted apart in `nan`, not in the shares). */
  rows: number;
  nan: number;
  psi: number | null;
  /** Jensen–Shannon distance, natural log (scipy's default base). */
  js: number | null;
  /** Served shares per baseline bin (for the heatmap). */
  shares: number[];
}

export interface FreshnessFigure {
  lookup: string;
  rows: number;
  /** Share of rows per status; sums to 1. */
  shares: Record<LookupStatus, number>;
}

export interface QualityReport {
  /** Predicted rows, requests, joined rows, failed requests. */
  count: number;
  requests: number;
  joined: number;
  errors: number;
  errors_by_code: Record<string, number>;
  /** Request latency quantiles (ms), each within `relative_error` of the exact one; null when no request. */
  latency_ms: { p50: number; p95: number; p99: number; relative_error: number } | null;
  binary: BinaryFigures | null;
  regression: { n: number; mae: number; rmse: number } | null;
  drift: DriftFigure[];
  freshness: FreshnessFigure[];
  /**
   * Shadow arm only: the shadow against the version that answered the same rows, one entry per
   * served version (agreement, |Δscore|); empty for every other arm.
   */
  shadow: ShadowFigures[];
}

/** One hour of a version and arm's series (the page's AUC and log loss over time). */
export interface HourPoint {
  /** The hour's start, ISO 8601 (`2001-06-12T14:00:00.000Z`). */
  hour: string;
  count: number;
  joined: number;
  auc: number | null;
  log_loss: number | null;
  /** Largest PSI over the features that hour, by feature (the heatmap's cells). */
  psi: Record<string, number | null>;
}

export type QualityWindow = "1h" | "24h" | "7d";

/** The JSON of GET /v2/models/{name}/quality. */
export interface QualityDocument {
  model: string;
  /** When the figures were read (ISO 8601). */
  generated_at: string;
  /** One entry per version, arm and window that has data. */
  reports: { version: number; arm: Arm; window: QualityWindow; from: string; to: string; report: QualityReport }[];
  /** Hourly series per version and arm over the longest window asked for. */
  series: { version: number; arm: Arm; points: HourPoint[] }[];
}

function calibrationRows(cal: readonly [number, number, number][]): CalibrationRow[] {
  return cal.map(([n, sum, pos], i) => ({
    lo: i / cal.length,
    hi: (i + 1) / cal.length,
    count: n,
    mean_score: n > 0 ? sum / n : null,
    positive_share: n > 0 ? pos / n : null,
  }));
}

function driftFigures(agg: Aggregate, baseline: Baseline | undefined): DriftFigure[] {
  return (baseline?.features ?? []).map((f) => {
    const all = agg.drift[f.name] ?? new Array(f.edges.length + 2).fill(0);
    const counts = all.slice(0, f.edges.length + 1);
    const rows = counts.reduce((s, c) => s + c, 0);
    return {
      feature: f.name,
      rows,
      nan: all[f.edges.length + 1] ?? 0,
      psi: rows > 0 ? psi(f.shares, counts) : null,
      js: rows > 0 ? jensenShannon(f.shares, counts) : null,
      shares: counts.map((c) => (rows > 0 ? c / rows : 0)),
    };
  });
}

function freshnessFigures(agg: Aggregate): FreshnessFigure[] {
  return Object.entries(agg.freshness)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([lookup, counts]) => {
      const rows = counts.reduce((s, c) => s + c, 0);
      const shares = Object.fromEntries(LOOKUP_STATUSES.map((s, i) => [s, rows > 0 ? (counts[i] ?? 0) / rows : 0]));
      return { lookup, rows, shares: shares as Record<LookupStatus, number> };
    });
}

/** The figures of a set of aggregates (merged first; any order gives the same report up to float rounding). */
export function summarize(aggs: readonly Aggregate[], baseline?: Baseline): QualityReport {
  const agg = aggs.reduce(merge, emptyAggregate());
  const p50 = latencyQuantile(agg.latency, 0.5);
  const b = agg.binary;
  const r = agg.regression;
  const auc = b ? binnedAuc(b.bins) : null;
  const joinedBinary = b ? b.positives + b.negatives : 0;
  return {
    count: agg.count,
    requests: agg.requests,
    joined: agg.joined,
    errors: Object.values(agg.errors).reduce((s, n) => s + n, 0),
    errors_by_code: Object.fromEntries(Object.entries(agg.errors).sort(([x], [y]) => (x < y ? -1 : 1))),
    latency_ms:
      p50 === null
        ? null
        : {
            p50,
            p95: latencyQuantile(agg.latency, 0.95) as number,
            p99: latencyQuantile(agg.latency, 0.99) as number,
            relative_error: LATENCY_RELATIVE_ERROR,
          },
    binary:
      b && joinedBinary > 0
        ? {
            positives: b.positives,
            negatives: b.negatives,
            auc: auc?.auc ?? null,
            auc_bound: auc?.bound ?? null,
            log_loss: b.log_loss_sum / joinedBinary,
            brier: b.brier_sum / joinedBinary,
            roc: binnedRoc(b.bins),
            calibration: calibrationRows(b.calibration),
          }
        : null,
    regression: r && r.n > 0 ? { n: r.n, mae: r.abs_sum / r.n, rmse: Math.sqrt(r.sq_sum / r.n) } : null,
    drift: driftFigures(agg, baseline),
    freshness: freshnessFigures(agg),
    shadow: shadowFigures(agg.shadow),
  };
}

/** One hour's point of the series from that hour's aggregate. */
export function hourPoint(hour: string, agg: Aggregate, baseline?: Baseline): HourPoint {
  const r = summarize([agg], baseline);
  return {
    hour,
    count: r.count,
    joined: r.joined,
    auc: r.binary?.auc ?? null,
    log_loss: r.binary?.log_loss ?? null,
    psi: Object.fromEntries(r.drift.map((d) => [d.feature, d.psi])),
  };
}
