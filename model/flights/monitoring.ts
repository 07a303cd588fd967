/**
 * The flights manifest's `monitoring` section: judged as binary (the outcome is late = arrival
 * delay > 15 min, sent as 0/1), and the training baseline of its 36 scaled features (the vector
 * the model receives) over the train matrix, for the live drift figures (docs/monitoring.md).
 */
import { baselineOf } from "../../src/core/monitoring/baseline.ts";
import type { Monitoring } from "../../src/core/monitoring/manifest.ts";
import { FEATURE_NAMES } from "../../src/pipelines/flights/index.ts";
import type { Matrix } from "./dataset.ts";

export const BASELINE_SOURCE =
  "flights train matrix: 2001-04-01..2001-05-24, scaled features (model/flights/features.ts)";

/** Numbers rounded to 9 significant digits keep the manifest short; bins move by at most 1e-9 relative. */
const short = (x: number) => Number(x.toPrecision(9));

export function flightsMonitoring(train: Matrix): Pick<Monitoring, "task" | "baseline"> {
  const features = baselineOf(train.x, FEATURE_NAMES).map((f) => ({
    name: f.name,
    edges: f.edges.map(short),
    shares: f.shares.map(short),
  }));
  return { task: "binary", baseline: { source: BASELINE_SOURCE, rows: train.rows, features } };
}
