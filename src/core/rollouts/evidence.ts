/**
 * One arm's evidence for the rollout rule, from the Monitor's merged hour aggregates
 * (core/monitoring/aggregate.ts): requests, 5xx answers, requests slower than the policy's bound,
 * the p95, and the moments (count, Σ, Σ²) of the metric's per-row loss over joined rows. The
 * moments are exact sums, so any set of hours merges into the same evidence.
 */
import type { Aggregate } from "../monitoring/aggregate.ts";
import { latencyBin, latencyQuantile } from "../monitoring/latency.ts";
import type { Metric } from "./schema.ts";
import type { Moments } from "./stats.ts";

/** Error codes answered with a 5xx status (core/errors.ts): what the error-rate rule counts. */
export const SERVER_ERROR_CODES: readonly string[] = ["INTERNAL", "MODEL_NOT_READY"];

export interface ArmStats {
  version: number;
  arm: string;
  /** Answered requests plus requests answered with a 5xx: the error rate's denominator. */
  requests: number;
  serverErrors: number;
  /** Answered requests (the latency histogram's count) and those certainly slower than the bound. */
  answered: number;
  slow: number;
  p95: number | null;
  moments: Moments;
}

/** Σ loss and Σ loss² of the metric in an aggregate; NaN sums when its buckets predate the second moments. */
export function metricMoments(agg: Aggregate, metric: Metric): Moments {
  if (metric === "mae") {
    const r = agg.regression;
    // |e|² = e², so Σ|e|² is the regression aggregate's Σe².
    return r ? { n: r.n, sum: r.abs_sum, sumsq: r.sq_sum } : { n: 0, sum: 0, sumsq: 0 };
  }
  const b = agg.binary;
  if (!b) return { n: 0, sum: 0, sumsq: 0 };
  const n = b.positives + b.negatives;
  return metric === "log_loss"
    ? { n, sum: b.log_loss_sum, sumsq: b.log_loss_sq ?? Number.NaN }
    : { n, sum: b.brier_sum, sumsq: b.brier_sq ?? Number.NaN };
}

/**
 * Requests certainly slower than `boundMs`: those in latency bins whose lower edge is at or above
 * it (a bin holds (γ^(i−1), γ^i]); the bin holding the bound counts as fast, so a request within
 * 2 % of the bound may be missed, never one below it counted.
 */
export function slowerThan(agg: Aggregate, boundMs: number): number {
  const boundBin = Number(latencyBin(boundMs));
  let slow = 0;
  for (const [bin, n] of Object.entries(agg.latency)) if (bin !== "z" && Number(bin) > boundBin) slow += n;
  return slow;
}

export function armStats(
  agg: Aggregate,
  who: { version: number; arm: string },
  metric: Metric,
  maxP95Ms?: number,
): ArmStats {
  const serverErrors = SERVER_ERROR_CODES.reduce((s, code) => s + (agg.errors[code] ?? 0), 0);
  return {
    ...who,
    requests: agg.requests + serverErrors,
    serverErrors,
    answered: agg.requests,
    slow: maxP95Ms === undefined ? 0 : slowerThan(agg, maxP95Ms),
    p95: latencyQuantile(agg.latency, 0.95),
    moments: metricMoments(agg, metric),
  };
}
