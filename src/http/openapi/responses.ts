/**
 * What the routes answer, as zod schemas: the OpenAPI document is generated from them, and
 * the tests parse real answers with them (test/worker/openapi.test.ts), so the two stay in step.
 */

import * as z from "zod";
import { ContextSpecObject } from "../../core/context/spec.ts";
import { V2_DATATYPES } from "../../core/tensors/dtypes.ts";

export const ErrorBody = z.object({
  error: z.string().meta({ description: "Names the field, what was expected and what came." }),
});

const V1VersionStatus = z.object({
  version: z.string(),
  state: z.enum(["AVAILABLE", "END"]),
  status: z.object({ error_code: z.enum(["OK", "UNAVAILABLE"]), error_message: z.string() }),
});
export const V1StatusResponse = z.object({ model_version_status: z.array(V1VersionStatus) });

const V1TensorInfo = z.object({
  dtype: z.string().meta({ examples: ["DT_FLOAT", "DT_STRING", "DT_INT32"] }),
  tensor_shape: z.object({
    dim: z.array(z.object({ size: z.string().meta({ description: "-1 = variable" }), name: z.string() })),
    unknown_rank: z.boolean(),
  }),
  name: z.string(),
});
const V1SignatureDef = z.object({
  inputs: z.record(z.string(), V1TensorInfo),
  outputs: z.record(z.string(), V1TensorInfo),
  method_name: z.string(),
  defaults: z.record(z.string(), z.unknown()).meta({ description: "default input values; none for TF.js models" }),
});
export const V1MetadataResponse = z.object({
  model_spec: z.object({ name: z.string(), signature_name: z.string(), version: z.string() }),
  metadata: z.object({ signature_def: z.object({ signature_def: z.record(z.string(), V1SignatureDef) }) }),
});

export const V1PredictResponse = z.union([
  z.object({
    predictions: z.array(z.unknown()).meta({
      description:
        "Row format: one per instance; an object of named outputs (with the pass-through keys) when the model has several outputs or keys were sent.",
    }),
  }),
  z.object({
    outputs: z.unknown().meta({ description: "Columnar format: the tensor, or an object of named tensors." }),
  }),
]);

export const V2ServerMetadata = z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) });
export const V2Live = z.object({ live: z.boolean() });
export const V2Ready = z.object({ ready: z.boolean() });

const V2TensorMetadata = z.object({
  name: z.string(),
  datatype: z.enum(V2_DATATYPES),
  shape: z.array(z.int()).meta({ description: "-1 marks a variable dimension." }),
});
export const V2ModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string().meta({ examples: ["tensorflowjs_layers", "tensorflowjs_graph"] }),
  inputs: z.array(V2TensorMetadata),
  outputs: z.array(V2TensorMetadata),
  parameters: z
    .object({
      context: ContextSpecObject.extend({ feature_names: z.array(z.string()) })
        .optional()
        .meta({
          description:
            "The model's declared context (manifest `context` section): request fields, KV lookups with their freshness policy, and the feature vector with its transforms (docs/byo-model-with-context.md).",
        }),
      input_descriptions: z
        .record(z.string(), z.string())
        .optional()
        .meta({ description: "What each input means, by name (when the model says)." }),
    })
    .optional(),
});
export const V2ModelReady = z.object({ name: z.string(), ready: z.boolean(), error: z.string().optional() });

export const V2InferResponse = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string().optional().meta({ description: "The request's id, unchanged." }),
  parameters: z.record(z.string(), z.unknown()).optional(),
  outputs: z.array(
    z.object({
      name: z.string(),
      datatype: z.enum(V2_DATATYPES),
      shape: z.array(z.int()),
      data: z.array(z.unknown()).meta({ description: "Flat, row-major." }),
    }),
  ),
});

export const V2RepositoryIndex = z.array(
  z.object({
    name: z.string(),
    version: z
      .string()
      .optional()
      .meta({ description: "Absent for a model whose versions cannot be known (its pointer record is broken)." }),
    state: z.enum(["READY", "UNAVAILABLE"]),
    reason: z.string(),
  }),
);

export const ServerIndex = z.object({
  name: z.string(),
  version: z.string(),
  models: z.array(
    z.object({
      name: z.string(),
      versions: z.array(z.int()),
      labels: z.record(z.string(), z.int()),
      canary_percent: z
        .number()
        .optional()
        .meta({ description: "Share (0-100) of unqualified requests the canary label takes, when set." }),
      error: z.string().optional().meta({
        description: "Why the model is unavailable (e.g. its pointer record is malformed); the others serve.",
      }),
    }),
  ),
  endpoints: z.record(z.string(), z.string()),
});

export const TensorMemory = z.object({ numTensors: z.int(), numBytes: z.int() }).loose();

// Live quality and Triton's statistics extension (docs/monitoring.md; core/monitoring/report.ts, stats.ts).
const DurationStat = z.object({
  count: z.number().int().min(0),
  ns: z.number().int().min(0).meta({ description: "Total duration in nanoseconds" }),
});
export const V2ModelStats = z.object({
  model_stats: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      last_inference: z.number().int().meta({ description: "Epoch ms of the last logged inference (0: none)" }),
      inference_count: z.number().int().meta({ description: "Rows answered (each row of a batch counts)" }),
      execution_count: z.number().int().meta({ description: "Requests answered (one model run each)" }),
      inference_stats: z.object({
        success: DurationStat,
        fail: DurationStat,
        queue: DurationStat,
        compute_input: DurationStat,
        compute_infer: DurationStat,
        compute_output: DurationStat,
        cache_hit: DurationStat,
        cache_miss: DurationStat,
      }),
      batch_stats: z.array(
        z.object({
          batch_size: z.number().int(),
          compute_input: DurationStat,
          compute_infer: DurationStat,
          compute_output: DurationStat,
        }),
      ),
    }),
  ),
});

const Arm = z.enum(["explicit", "label", "default", "canary", "shadow", "none"]);
const QualityReport = z.object({
  count: z.number().int(),
  requests: z.number().int(),
  joined: z.number().int(),
  errors: z.number().int(),
  errors_by_code: z.record(z.string(), z.number().int()),
  latency_ms: z.object({ p50: z.number(), p95: z.number(), p99: z.number(), relative_error: z.number() }).nullable(),
  binary: z
    .object({
      positives: z.number().int(),
      negatives: z.number().int(),
      auc: z.number().nullable(),
      auc_bound: z.number().nullable(),
      log_loss: z.number(),
      brier: z.number(),
      roc: z.array(z.tuple([z.number(), z.number()])),
      calibration: z.array(
        z.object({
          lo: z.number(),
          hi: z.number(),
          count: z.number().int(),
          mean_score: z.number().nullable(),
          positive_share: z.number().nullable(),
        }),
      ),
    })
    .nullable(),
  regression: z.object({ n: z.number().int(), mae: z.number(), rmse: z.number() }).nullable(),
  drift: z.array(
    z.object({
      feature: z.string(),
      rows: z.number().int(),
      nan: z.number().int(),
      psi: z.number().nullable(),
      js: z.number().nullable(),
      shares: z.array(z.number()),
    }),
  ),
  freshness: z.array(
    z.object({ lookup: z.string(), rows: z.number().int(), shares: z.record(z.string(), z.number()) }),
  ),
  shadow: z
    .array(
      z.object({
        served_version: z.number().int().meta({ description: "The version that answered the rows the shadow ran on" }),
        pairs: z.number().int(),
        agreement: z.number().meta({ description: "Share of rows where both predict the same class" }),
        scored: z.number().int().meta({ description: "Pairs whose two scores are finite" }),
        mean_abs_diff: z.number().nullable(),
        abs_diff: z
          .object({ p50: z.number(), p95: z.number(), p99: z.number(), relative_error: z.number() })
          .nullable()
          .meta({ description: "Quantiles of |shadow score − answered score|, each within relative_error" }),
        within: z.record(z.string(), z.number()).meta({
          description: "Share of scored pairs with |difference| at most each tolerance (0.001, 0.01, 0.05, 0.1)",
        }),
      }),
    )
    .meta({
      description: "Arm shadow only: the shadow against the answering version on the same rows; empty otherwise",
    }),
});
export const V2ModelQuality = z.object({
  model: z.string(),
  generated_at: z.string().meta({ description: "The windows' end (`at`, default now), ISO 8601" }),
  reports: z.array(
    z.object({
      version: z.number().int().meta({ description: "-1: errors before a version was chosen" }),
      arm: Arm,
      window: z.enum(["1h", "24h", "7d"]),
      from: z.string(),
      to: z.string(),
      report: QualityReport,
    }),
  ),
  series: z.array(
    z.object({
      version: z.number().int(),
      arm: Arm,
      points: z.array(
        z.object({
          hour: z.string(),
          count: z.number().int(),
          joined: z.number().int(),
          auc: z.number().nullable(),
          log_loss: z.number().nullable(),
          psi: z.record(z.string(), z.number().nullable()),
        }),
      ),
    }),
  ),
});

/** POST /v2/streams/{stream}/events: its body (validated field by field against the stream's declaration). */
export const StreamEventsRequest = z
  .object({
    events: z
      .array(
        z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).meta({
          description:
            "One event: exactly the declared fields (`id_field` a string of 1-200 characters, `time_field` an ISO 8601 instant with Z or an offset, others by dtype; optional ones may be absent or null). Anything else is a 400 naming it.",
        }),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const StreamEventsResponse = z.object({
  stream: z.string(),
  events: z.int().meta({ description: "Events in the request." }),
  entities: z.int().meta({ description: "Entity values the events touched (one object each)." }),
  applied: z.int().meta({ description: "Updates applied: one per event and entity it feeds." }),
  duplicates: z.int().meta({ description: "Updates whose event id the entity had seen: changed nothing." }),
  late: z.int().meta({
    description:
      "Events refused as older than an entity's newest event of earlier requests minus the declared lateness.",
  }),
  late_ids: z.array(z.string()).meta({ description: "Their ids (the first 100)." }),
});
