/**
 * A fixed QualityDocument for the monitor page and CLI tests, built from the reference data of
 * test/fixtures/monitoring-reference.json (so its AUC, log loss and PSI are scikit-learn's and
 * numpy's, within the stated bounds): version 3, arm "default", a 24 h window over six hours of
 * the binary case, drift of the numeric and categorical features, and one lookup's statuses.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Aggregate, addJoined, addPrediction, emptyAggregate } from "../../src/core/monitoring/aggregate.ts";
import type { Monitoring } from "../../src/core/monitoring/manifest.ts";
import type { LookupStatus, PredictionRecord } from "../../src/core/monitoring/record.ts";
import { hourPoint, type QualityDocument, summarize } from "../../src/core/monitoring/report.ts";

interface DriftSet {
  served: number[];
  edges: number[];
  expected_shares: number[];
  psi: number;
}
export const REFERENCE = JSON.parse(
  readFileSync(join(import.meta.dirname, "../fixtures/monitoring-reference.json"), "utf8"),
) as {
  binary: { y: number[]; p: number[]; roc_auc_score: number; log_loss: number };
  drift: DriftSet & { categorical: DriftSet };
};

export const MONITORING = {
  task: "binary",
  baseline: {
    features: [
      { name: "distance", edges: REFERENCE.drift.edges, shares: REFERENCE.drift.expected_shares },
      {
        name: "carrier",
        edges: REFERENCE.drift.categorical.edges,
        shares: REFERENCE.drift.categorical.expected_shares,
      },
    ],
  },
} as Monitoring;

/** Lookup statuses of served row i: 80 % present, 15 % stale, 5 % missing. */
const status = (i: number): LookupStatus => (i % 20 < 16 ? "present" : i % 20 < 19 ? "stale" : "missing");

function row(i: number, features: number[]): PredictionRecord {
  return {
    kind: "prediction",
    time: "2001-06-12T10:00:00.000Z",
    request_id: `r${i}`,
    protocol: "v2",
    model: "flights",
    version: 3,
    arm: "default",
    label: null,
    row: i % 4,
    key: null,
    as_of: null,
    fields: null,
    features,
    outputs: {},
    score: 0,
    lookups: [{ lookup: "airport", key: "ap:SEA", status: status(i), updated_at: null }],
    latency_ms: 5 + (i % 50),
  };
}

const HOURS = 6;
const hourOf = (h: number) => `2001-06-12T${String(10 + h).padStart(2, "0")}:00:00.000Z`;

export function qualityDocument(): QualityDocument {
  const buckets: Aggregate[] = Array.from({ length: HOURS }, emptyAggregate);
  const { served } = REFERENCE.drift;
  const cat = REFERENCE.drift.categorical.served;
  served.forEach((x, i) => addPrediction(buckets[i % HOURS]!, row(i, [x, cat[i % cat.length]!]), MONITORING));
  const { y, p } = REFERENCE.binary;
  y.forEach((v, i) => addJoined(buckets[i % HOURS]!, p[i]!, v, MONITORING));
  return {
    model: "flights",
    generated_at: "2001-06-12T16:00:00.000Z",
    reports: [
      {
        version: 3,
        arm: "default",
        window: "24h",
        from: "2001-06-11T16:00:00.000Z",
        to: "2001-06-12T16:00:00.000Z",
        report: summarize(buckets, MONITORING.baseline),
      },
    ],
    series: [
      { version: 3, arm: "default", points: buckets.map((b, h) => hourPoint(hourOf(h), b, MONITORING.baseline)) },
    ],
  };
}
