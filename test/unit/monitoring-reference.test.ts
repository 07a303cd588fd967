/**
 * The live figures against scikit-learn, scipy and numpy on fixed data
 * (test/fixtures/monitoring-reference.json, written by scripts/references/monitoring.py):
 * the exact definitions equal the libraries' answers, and the binned, mergeable aggregates stay
 * within their stated bounds of them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addJoined, addPrediction, emptyAggregate } from "../../src/core/monitoring/aggregate.ts";
import { jensenShannon, psi } from "../../src/core/monitoring/drift.ts";
import {
  binCounts,
  brier,
  calibrationCurve,
  logLoss,
  meanAbsoluteError,
  quantileLower,
  rocAuc,
  rootMeanSquaredError,
} from "../../src/core/monitoring/exact.ts";
import type { Monitoring } from "../../src/core/monitoring/manifest.ts";
import type { PredictionRecord } from "../../src/core/monitoring/record.ts";
import { summarize } from "../../src/core/monitoring/report.ts";

interface BinaryCase {
  y: number[];
  p: number[];
  roc_auc_score: number;
  log_loss: number;
  brier_score_loss: number;
  calibration_curve: { prob_true: number[]; prob_pred: number[]; counts: number[] };
}
interface DriftSet {
  served: number[];
  edges: number[];
  expected_shares: number[];
  served_counts: number[];
  psi: number;
  jensenshannon: number;
}
const ref = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/monitoring-reference.json"), "utf8")) as {
  versions: Record<string, string>;
  binary: BinaryCase;
  binary_ties: BinaryCase;
  regression: { y: number[]; pred: number[]; mean_absolute_error: number; root_mean_squared_error: number };
  drift: DriftSet & { train: number[]; categorical: DriftSet };
  latency: { ms: number[]; quantiles: Record<string, number> };
};

const close = (a: number | null | undefined, b: number, tol = 1e-12) =>
  expect(Math.abs((a as number) - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

const record = (features: number[], row = 0, latency_ms = 1): PredictionRecord => ({
  kind: "prediction",
  time: "2001-06-12T14:00:00.000Z",
  request_id: "r",
  protocol: "v2",
  model: "m",
  version: 1,
  arm: "default",
  label: null,
  row,
  key: null,
  as_of: null,
  fields: null,
  features,
  outputs: {},
  score: 0,
  lookups: [],
  latency_ms,
});

describe.each(["binary", "binary_ties"] as const)("%s outcomes", (name) => {
  const c = ref[name];
  it("exact figures equal scikit-learn's", () => {
    close(rocAuc(c.y, c.p), c.roc_auc_score);
    close(logLoss(c.y, c.p), c.log_loss);
    close(brier(c.y, c.p), c.brier_score_loss);
    const curve = calibrationCurve(c.y, c.p);
    expect(curve.map((b) => b.count)).toEqual(c.calibration_curve.counts);
    const filled = curve.filter((b) => b.count > 0);
    filled.forEach((b, i) => {
      close(b.positive_share, c.calibration_curve.prob_true[i] as number);
      close(b.mean_score, c.calibration_curve.prob_pred[i] as number);
    });
  });

  it("the aggregate's figures are within their bounds of scikit-learn's", () => {
    const agg = emptyAggregate();
    c.y.forEach((y, i) => addJoined(agg, c.p[i] as number, y));
    const b = summarize([agg]).binary!;
    expect(b.positives + b.negatives).toBe(c.y.length);
    expect(Math.abs((b.auc as number) - c.roc_auc_score)).toBeLessThanOrEqual(b.auc_bound as number);
    expect(b.auc_bound).toBeLessThan(name === "binary" ? 0.002 : 0.01);
    close(b.log_loss, c.log_loss, 1e-9);
    close(b.brier, c.brier_score_loss, 1e-9);
    expect(b.calibration.map((r) => r.count)).toEqual(c.calibration_curve.counts);
    b.calibration
      .filter((r) => r.count > 0)
      .forEach((r, i) => {
        close(r.positive_share, c.calibration_curve.prob_true[i] as number, 1e-9);
        close(r.mean_score, c.calibration_curve.prob_pred[i] as number, 1e-9);
      });
    expect(b.roc[0]).toEqual([0, 0]);
    expect(b.roc.at(-1)).toEqual([1, 1]);
  });
});

describe("regression outcomes", () => {
  const c = ref.regression;
  it("exact and aggregated MAE and RMSE equal scikit-learn's", () => {
    close(meanAbsoluteError(c.y, c.pred), c.mean_absolute_error);
    close(rootMeanSquaredError(c.y, c.pred), c.root_mean_squared_error);
    const agg = emptyAggregate();
    const monitoring = { task: "regression" } as Monitoring;
    c.y.forEach((y, i) => addJoined(agg, c.pred[i] as number, y, monitoring));
    const r = summarize([agg]).regression!;
    expect(r.n).toBe(c.y.length);
    close(r.mae, c.mean_absolute_error, 1e-9);
    close(r.rmse, c.root_mean_squared_error, 1e-9);
  });
});

describe.each(["numeric", "categorical"] as const)("drift of a %s feature", (kind) => {
  const d = kind === "numeric" ? ref.drift : ref.drift.categorical;
  it("served bin counts, PSI and Jensen-Shannon equal numpy's and scipy's", () => {
    expect(binCounts(d.edges, d.served)).toEqual(d.served_counts);
    close(psi(d.expected_shares, d.served_counts), d.psi);
    close(jensenShannon(d.expected_shares, d.served_counts), d.jensenshannon);
  });

  it("the aggregate gives the same figures", () => {
    const monitoring = {
      baseline: { features: [{ name: "x", edges: d.edges, shares: d.expected_shares }] },
    } as Monitoring;
    const agg = emptyAggregate();
    d.served.forEach((x, i) => addPrediction(agg, record([x], i), monitoring));
    const [f] = summarize([agg], monitoring.baseline).drift;
    expect(f?.rows).toBe(d.served.length);
    close(f?.psi, d.psi, 1e-9);
    close(f?.js, d.jensenshannon, 1e-9);
  });
});

describe("latency quantiles", () => {
  it("are within the stated relative error of numpy's (method lower)", () => {
    const agg = emptyAggregate();
    for (const ms of ref.latency.ms) addPrediction(agg, record([], 0, ms));
    const l = summarize([agg]).latency_ms!;
    expect(l.relative_error).toBeLessThan(0.01);
    for (const [q, got] of [
      ["0.5", l.p50],
      ["0.95", l.p95],
      ["0.99", l.p99],
    ] as const) {
      const want = ref.latency.quantiles[q] as number;
      close(quantileLower(ref.latency.ms, Number(q)), want, 0);
      expect(Math.abs(got - want) / want).toBeLessThanOrEqual(l.relative_error + 1e-12);
    }
  });
});

it("names the library versions the references came from", () => {
  expect(Object.keys(ref.versions).sort()).toEqual(["numpy", "python", "scikit-learn", "scipy"]);
});
