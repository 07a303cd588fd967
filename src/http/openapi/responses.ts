/**
 * What the routes answer, as zod schemas: the OpenAPI document is generated from them, and
 * the tests parse real answers with them (test/worker/openapi.test.ts), so the two stay in step.
 */

import { z } from "zod";
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
