/**
 * `preprocess.params` of a flights manifest (`preprocess.kind = "flights"`). Written by the
 * trainer from the TRAIN set; the Worker reads them from the manifest, so serving uses the
 * very constants training used.
 */
import * as z from "zod";
import { FEATURE_NAMES } from "./names.ts";

/** What feature building needs besides scaling (known before any model is trained). */
export const FlightsContextParamsSchema = z.object({
  /** Width of the "recent" congestion window: hours [h - window_hours, h) before the flight's hour h. */
  window_hours: z.number().int().min(1).max(23),
  /** Pseudo-count shrinking a window's late rate toward the airport's historic rate. */
  recent_prior_strength: z.number().positive(),
  /** Used when context is missing. */
  defaults: z.object({
    /** Late rate of all Jan–Mar flights (airport/route/congestion prior when `ap:` is missing). */
    late_rate: z.number().min(0).max(1),
    /** Location used when `ap:` is missing. */
    lat: z.number(),
    lon: z.number(),
  }),
});
export type FlightsContextParams = z.infer<typeof FlightsContextParamsSchema>;

export const FlightsParamsSchema = FlightsContextParamsSchema.extend({
  feature_names: z.array(z.string()),
  /** Standardisation from the train set: x' = (x - mean) / std, per feature. */
  scaling: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }),
  /** Decision threshold on the probability for `late`. */
  threshold: z.number().min(0).max(1),
  threshold_rule: z.string(),
  /** Free-form provenance (data periods, row counts); not used for computing. */
  data: z.record(z.string(), z.unknown()).optional(),
}).superRefine((p, ctx) => {
  const want = FEATURE_NAMES.join(",");
  if (p.feature_names.join(",") !== want) {
    ctx.addIssue({ code: "custom", message: `feature_names must be exactly [${want}] (the core's order)` });
  }
  if (p.scaling.mean.length !== FEATURE_NAMES.length || p.scaling.std.length !== FEATURE_NAMES.length) {
    ctx.addIssue({ code: "custom", message: `scaling.mean and scaling.std need ${FEATURE_NAMES.length} values` });
  }
});
export type FlightsParams = z.infer<typeof FlightsParamsSchema>;
