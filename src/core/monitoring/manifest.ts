/**
 * A manifest's `monitoring` section (issue 19, docs/monitoring.md): what the prediction log keeps
 * of a model's rows, how its outputs are judged, and the training baseline drift is measured
 * against. Every field is optional; a manifest without the section is logged at sample 1.0 with
 * its raw fields and plain keys, judged as binary on its first output when that output is one
 * probability per row, and gets no drift figures (no baseline).
 */
import * as z from "zod";

/** One feature's training distribution: bin edges and the share of training rows in each bin. */
export const BaselineFeatureSchema = z.object({
  /** The feature's name (context feature names, a plug-in's feature_names, or `f<i>`). */
  name: z.string().min(1),
  /**
   * Interior bin edges, ascending (k edges make k+1 bins: (-inf, e0), [e0, e1), …, [e_{k-1}, +inf)).
   * Categorical or one-hot features use edges between their values.
   */
  edges: z.array(z.number()).max(100),
  /** Training share of each bin (k+1 values, summing to 1 within 1e-6). */
  shares: z.array(z.number().min(0).max(1)),
});
export type BaselineFeature = z.infer<typeof BaselineFeatureSchema>;

export const MonitoringSchema = z.object({
  /** Share of requests whose rows are logged (decided per request, so a batch is kept or dropped whole). */
  sample: z.number().min(0).max(1).default(1),
  /** false: the raw request fields are not logged (`fields` is null); features and outputs still are. */
  log_fields: z.boolean().default(true),
  /** true: the row key is logged as `sha256:<hex>` of the key (outcomes are matched on the same hash). */
  hash_key: z.boolean().default(false),
  /** A request field whose value is the row's join key (instead of v1 `key` / v2 `id#row`). */
  key_field: z.string().optional(),
  /** How outputs are judged against outcomes: binary (AUC, log loss, Brier, calibration) or regression (MAE, RMSE). */
  task: z.enum(["binary", "regression"]).optional(),
  /** The public output whose first value per row is the score (default: the first output). */
  score_output: z.string().optional(),
  /** binary: an outcome value above this is the positive class (e.g. delay minutes > 15). Default 0.5. */
  positive_above: z.number().optional(),
  /** The training distribution of each feature (written by training code or `npm run models -- baseline`). */
  baseline: z
    .object({
      /** What the baseline was computed from (a data file, a date range). */
      source: z.string().optional(),
      rows: z.number().int().min(1).optional(),
      features: z.array(BaselineFeatureSchema),
    })
    .optional(),
});
export type Monitoring = z.infer<typeof MonitoringSchema>;
